# Recipes mirror the npm scripts; `just` comes from the npm registry as rust-just
# (npx rust-just <recipe>).

install:
    npm ci

build:
    npm run build

test:
    npm test

# the unit tests alone: no build, no Docker, seconds (the edit loop)
test-unit:
    npm run test:unit

test-odd-locale:
    npm run test:odd-locale

bench:
    npm run bench

demo:
    npm run demo

ci:
    bash .ci/run
