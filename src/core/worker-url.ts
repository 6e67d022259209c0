// Where a worker thread's module is: the sibling file of the module that starts it. Built code
// (dist/) has .js files; the test suite runs src/ directly, whose .ts files Node loads with its
// built-in type stripping (Node >= 22.18, which the suite's Node from devDependencies is).

export function siblingWorker(importMetaUrl: string, name: string): URL {
  return new URL(`./${name}${importMetaUrl.endsWith('.ts') ? '.ts' : '.js'}`, importMetaUrl);
}
