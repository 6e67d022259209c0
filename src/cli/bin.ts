#!/usr/bin/env node
// The executable. With REPRO_MALLOC=lean, build and verify first re-execute themselves once
// with a fixed glibc mmap threshold (malloc.ts); by default nothing is re-executed. Then it turns
// on Node's on-disk compile cache (Node >= 22.1) before the CLI's modules load, so a second
// start-up skips compiling them (about 40 ms of every command), and hands over to process.ts.
import module from 'node:module';
import { tuneMalloc } from './malloc.js';

tuneMalloc();
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
await import('./process.js');
