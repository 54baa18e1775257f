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
 *
 * Request bodies are validated, not coerced: a body's validator comes from an Ajv instance with
 * `coerceTypes: false`, so `{"active": null}`, `{"active": "false"}` or `{"name": 12345}` fail
 * validation (400 VALIDATION_FAILED) instead of becoming `false` or `"12345"`. Query strings,
 * path parameters and headers are text by nature and keep the configured coercion ('array').
 */
import type { FastifyServerOptions } from 'fastify';
import ValidatorSelector from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';

type Fn = ((data: unknown) => unknown) & { errors?: unknown };
type RouteOpts = { httpPart?: string };
type Compile = (routeOpts: RouteOpts) => Fn;
type AjvOptions = { customOptions?: Record<string, unknown> } & Record<string, unknown>;
type Factory = (externalSchemas: unknown, options: AjvOptions) => Compile;

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
    // Bodies: the same options without coercion (a separate Ajv instance, made on first use).
    let strict: Compile | undefined;
    const compileBody: Compile = (routeOpts) => {
      strict ??= factory(externalSchemas, { ...options, customOptions: { ...options.customOptions, coerceTypes: false } });
      return strict(routeOpts);
    };
    return (routeOpts) => {
      let fn: Fn | undefined;
      const force = () => {
        if (!fn) {
          fn = isValidator && routeOpts.httpPart === 'body' ? compileBody(routeOpts) : compile(routeOpts);
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
