import type { FastifyInstance } from 'fastify';
import { AppError } from '../../domain/errors.js';

/**
 * Where a U+0000 sits in a value (`body.members[0].name`, in the validation errors' notation, and
 * the position in that string), keys included. Iterative: a deeply nested body must not exhaust the stack.
 */
function findNul(root: string, rootValue: unknown): { target: string; position: number } | undefined {
  const pending: [string, unknown][] = [[root, rootValue]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [target, value] = next;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) {
        return { target, position: value.indexOf('\u0000') };
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => pending.push([`${target}[${index}]`, item]));
    } else if (value !== null && typeof value === 'object') {
      // Parsed JSON, params and query (the router's objects have null prototypes); a form body
      // (URLSearchParams) has no own properties, and its route reads it.
      for (const [key, item] of Object.entries(value)) {
        if (key.includes('\u0000')) {
          return { target: `${target}.${key}`, position: key.indexOf('\u0000') };
        }
        pending.push([`${target}.${key}`, item]);
      }
    }
  }
  return undefined;
}

/**
 * PostgreSQL text cannot hold U+0000, so a string carrying it would fail in SQL as a 500. Every
 * route refuses it in path parameters, query and JSON body, before validation, naming where.
 */
export function registerNulGuard(app: FastifyInstance): void {
  app.addHook('preValidation', (request, _reply, done) => {
    const found = findNul('params', request.params) ?? findNul('querystring', request.query) ?? findNul('body', request.body);
    done(
      found === undefined
        ? undefined
        : new AppError('invalidRequest', `Character U+0000 is not allowed in ${found.target} at position ${found.position}.`, [
            { code: 'InvalidValue', target: found.target, message: 'Text may not contain the NUL character (U+0000).' },
          ]),
    );
  });
}
