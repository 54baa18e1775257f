/**
 * Route schemas compiled on first use, not at start-up.
 *
 * Fastify compiles an ajv validator for every part of every route (body, query, params, headers)
 * and a fast-json-stringify serializer for every response status when the server becomes ready.
 * An API node serves a handful of routes most of the time, so most of that generated code (and
 * its source text, which V8 keeps) is memory for nothing: ~8 MB of old space for our ~100 routes.
 * Here each compiler returns a function that compiles the real one on its first call and then
 * delegates to it. The first request of a route pays the compile (about a millisecond); the
 * answer is the same. `compileAll` forces every pending compile (tests use it to prove every
 * schema still compiles).
 */
import type { FastifyServerOptions } from 'fastify';
import ValidatorSelector from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';

type Fn = ((data: unknown) => unknown) & { errors?: unknown };
type Compile = (routeOpts: unknown) => Fn;
type Factory = (externalSchemas: unknown, options: unknown) => Compile;

export type LazyCompilers = {
  compilersFactory: NonNullable<FastifyServerOptions['schemaController']>['compilersFactory'];
  /** Compile every schema not compiled yet; returns how many there were. Throws what a compile throws. */
  compileAll: () => number;
};

export function createLazyCompilers(): LazyCompilers {
  // Compiles not done yet, so that compileAll can force them; a compiled one leaves the set.
  const pending = new Set<() => Fn>();

  const lazy = (factory: Factory, isValidator: boolean): Factory => (externalSchemas, options) => {
    const compile = factory(externalSchemas, options);
    return (routeOpts) => {
      let fn: Fn | undefined;
      const force = () => {
        if (!fn) {
          fn = compile(routeOpts);
          pending.delete(force);
        }
        return fn;
      };
      pending.add(force);
      if (!isValidator) return (data) => (fn ?? force())(data);
      // Fastify reads the validator's `errors` after a failed validation (ajv's convention).
      const validate: Fn = (data) => {
        const f = fn ?? force();
        const result = f(data);
        validate.errors = f.errors;
        return result;
      };
      return validate;
    };
  };

  return {
    compilersFactory: {
      buildValidator: lazy((ValidatorSelector as unknown as () => Factory)(), true) as never,
      buildSerializer: lazy((SerializerSelector as unknown as () => Factory)(), false) as never,
    },
    compileAll: () => {
      const all = [...pending];
      for (const force of all) force();
      return all.length;
    },
  };
}
