// The spec validator lives in src/lib/spec-validator.ts (the sandbox uses it at run time); the tests
// keep importing it from here.
export * from '../../src/lib/spec-validator.js';
