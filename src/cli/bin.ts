#!/usr/bin/env node
// The executable. For build and verify it first re-executes itself once with a fixed glibc
// mmap threshold (malloc.ts). Then it turns on Node's on-disk compile cache (Node >= 22.1)
// before the CLI's modules load, so a second start-up skips compiling them (about 40 ms of
// every command), and runs the CLI.
import module from 'node:module';
import { tuneMalloc } from './malloc.js';

tuneMalloc();
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
await import('./main.js');
