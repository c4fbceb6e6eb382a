import fc from 'fast-check';
import { junkJson, junkString } from './malformed-inputs.js';

/**
 * Values for a JSON Schema (the OpenAPI document's, generated from the zod contracts): `plausible`
 * ones that usually pass, and `violating` ones that never can. The route fuzzer sends violating
 * bodies to routes that change data, so a request can never succeed by accident; plausible values
 * fill the rest of such a body, so the one violation sits among fields that look right.
 */

export interface JsonSchema {
  type?: string | string[];
  nullable?: boolean;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: unknown;
  $ref?: string;
}

type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'array' | 'object';

const SAMPLE_OF_TYPE: Record<JsonType, fc.Arbitrary<unknown>> = {
  string: junkString(20),
  number: fc.double({ noNaN: true, noDefaultInfinity: true }).filter((value) => !Number.isInteger(value)),
  integer: fc.integer(),
  boolean: fc.boolean(),
  null: fc.constant(null),
  array: fc.array(junkJson, { maxLength: 3 }),
  object: fc.dictionary(junkString(10), junkJson, { maxKeys: 3 }),
};

const typeOf = (value: unknown): JsonType => {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'array';
  }
  if (typeof value === 'number') {
    return Number.isInteger(value) ? 'integer' : 'number';
  }
  return typeof value as 'string' | 'boolean' | 'object';
};

/** The JSON types a schema accepts, or undefined when it does not say (then no type is wrong). */
function acceptedTypes(schema: JsonSchema): Set<JsonType> | undefined {
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches !== undefined) {
    const union = new Set<JsonType>();
    for (const branch of branches) {
      const types = acceptedTypes(branch);
      if (types === undefined) {
        return undefined;
      }
      types.forEach((type) => union.add(type));
    }
    return union;
  }
  let types: Set<JsonType> | undefined;
  if (schema.type !== undefined) {
    types = new Set([schema.type].flat() as JsonType[]);
  } else if (schema.enum !== undefined) {
    types = new Set(schema.enum.map(typeOf));
  } else if (schema.const !== undefined) {
    types = new Set([typeOf(schema.const)]);
  }
  if (types === undefined) {
    return undefined;
  }
  if (types.has('number')) {
    types.add('integer');
  }
  if (schema.nullable === true) {
    types.add('null');
  }
  return types;
}

export class SchemaArbitraries {
  /** fc.stringMatching is slow to build (about 90 ms for a GUID pattern): one per pattern. */
  private readonly matching = new Map<string, fc.Arbitrary<string>>();

  constructor(private readonly components: Record<string, JsonSchema> = {}) {}

  private stringMatching(pattern: string): fc.Arbitrary<string> {
    let arbitrary = this.matching.get(pattern);
    if (arbitrary === undefined) {
      arbitrary = fc.stringMatching(new RegExp(pattern));
      this.matching.set(pattern, arbitrary);
    }
    return arbitrary;
  }

  private resolve(schema: JsonSchema): JsonSchema {
    if (schema.$ref === undefined) {
      return schema;
    }
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = this.components[name];
    if (target === undefined) {
      throw new Error(`The OpenAPI document has no schema ${schema.$ref}.`);
    }
    return this.resolve(target);
  }

  /** Values that usually satisfy the schema (patterns, enums, bounds), sometimes with hostile strings. */
  plausible(input: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
    const schema = this.resolve(input);
    const value = this.plausibleNonNull(schema, depth);
    return schema.nullable === true ? fc.oneof({ arbitrary: value, weight: 4 }, { arbitrary: fc.constant(null), weight: 1 }) : value;
  }

  private plausibleNonNull(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
    if (schema.const !== undefined) {
      return fc.constant(schema.const);
    }
    if (schema.enum !== undefined) {
      return fc.constantFrom(...schema.enum);
    }
    const branches = schema.anyOf ?? schema.oneOf;
    if (branches !== undefined) {
      return fc.oneof(...branches.map((branch) => this.plausible(branch, depth + 1)));
    }
    if (schema.allOf !== undefined && schema.allOf.length > 0) {
      return this.plausible(schema.allOf[0] as JsonSchema, depth + 1);
    }
    const type = [schema.type].flat()[0];
    switch (type) {
      case 'object':
        return this.plausibleObject(schema, depth);
      case 'array': {
        const maxLength = Math.min(schema.maxItems ?? 3, (schema.minItems ?? 0) + 3);
        return fc.array(schema.items === undefined ? junkJson : this.plausible(schema.items, depth + 1), { minLength: schema.minItems ?? 0, maxLength });
      }
      case 'string':
        return this.plausibleString(schema);
      case 'integer':
        return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 });
      case 'number':
        return fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000, noNaN: true });
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      default:
        return junkJson;
    }
  }

  private plausibleObject(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
    const properties = schema.properties ?? {};
    if (Object.keys(properties).length === 0 || depth > 4) {
      return fc.dictionary(junkString(10), junkJson, { maxKeys: 2 });
    }
    const model = Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, this.plausible(property, depth + 1)]));
    return fc.record(model, { requiredKeys: (schema.required ?? []).filter((name) => name in properties) });
  }

  private plausibleString(schema: JsonSchema): fc.Arbitrary<string> {
    const min = schema.minLength ?? 0;
    const max = schema.maxLength ?? 64;
    const fits = (text: string) => text.length >= min && text.length <= max;
    if (schema.format === 'date-time') {
      return fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString());
    }
    if (schema.format === 'email') {
      return fc.emailAddress().filter(fits);
    }
    if (schema.pattern !== undefined) {
      return this.stringMatching(schema.pattern).filter(fits);
    }
    return fc.oneof({ arbitrary: fc.string({ minLength: min, maxLength: Math.min(max, 30) }), weight: 3 }, { arbitrary: junkString(Math.min(max, 30)).filter(fits), weight: 1 });
  }

  /**
   * Values the schema can never accept, or undefined when the schema leaves no sure way to break
   * it (it accepts anything). Each violation is one of: a wrong JSON type, a string or array over
   * its maximum (huge ones included) or under its minimum, a pattern or enum miss, a number out of
   * range, a missing required property, an unknown property where none is allowed, or a property
   * or array item that itself violates its schema, among plausible siblings.
   */
  violating(input: JsonSchema, depth = 0): fc.Arbitrary<unknown> | undefined {
    const schema = this.resolve(input);
    const ways: fc.Arbitrary<unknown>[] = [];
    const accepted = acceptedTypes(schema);
    if (accepted !== undefined) {
      const wrong = (Object.keys(SAMPLE_OF_TYPE) as JsonType[]).filter((type) => !accepted.has(type));
      if (wrong.length > 0) {
        ways.push(fc.constantFrom(...wrong).chain((type) => SAMPLE_OF_TYPE[type]));
      }
    }
    const branches = schema.anyOf ?? schema.oneOf;
    const type = branches === undefined && schema.enum === undefined && schema.const === undefined ? [schema.type].flat()[0] : undefined;
    if (schema.enum !== undefined && schema.enum.every((value) => typeof value === 'string')) {
      const allowed = new Set(schema.enum);
      ways.push(junkString(30).filter((text) => !allowed.has(text)));
    }
    switch (type) {
      case 'string':
        ways.push(...this.violatingStrings(schema));
        break;
      case 'integer':
      case 'number':
        if (type === 'integer') {
          ways.push(fc.constantFrom(0.5, 1.5, -2.25, 1e-9));
        }
        if (schema.minimum !== undefined) {
          ways.push(fc.integer({ min: 1, max: 1_000_000 }).map((below) => (schema.minimum as number) - below));
        }
        if (schema.maximum !== undefined) {
          ways.push(fc.integer({ min: 1, max: 1_000_000 }).map((above) => (schema.maximum as number) + above));
        }
        break;
      case 'array':
        ways.push(...this.violatingArrays(schema, depth));
        break;
      case 'object':
        ways.push(...this.violatingObjects(schema, depth));
        break;
      default:
        break;
    }
    return ways.length === 0 ? undefined : fc.oneof(...ways);
  }

  private violatingStrings(schema: JsonSchema): fc.Arbitrary<unknown>[] {
    const ways: fc.Arbitrary<unknown>[] = [];
    if (schema.maxLength !== undefined) {
      const max = schema.maxLength;
      ways.push(fc.tuple(fc.constantFrom('a', "'", '\u00e9', '%'), fc.integer({ min: 1, max: Math.max(10, max * 20) })).map(([unit, extra]) => unit.repeat(max + extra)));
    }
    if (schema.minLength !== undefined && schema.minLength > 0) {
      const min = schema.minLength;
      ways.push(fc.string({ maxLength: min - 1 }));
    }
    if (schema.pattern !== undefined) {
      const pattern = new RegExp(schema.pattern);
      ways.push(junkString(40).filter((text) => !pattern.test(text)));
    }
    return ways;
  }

  private violatingArrays(schema: JsonSchema, depth: number): fc.Arbitrary<unknown>[] {
    const ways: fc.Arbitrary<unknown>[] = [];
    const item = schema.items === undefined ? junkJson : this.plausible(schema.items, depth + 1);
    if (schema.maxItems !== undefined) {
      const max = schema.maxItems;
      // Huge arrays: one plausible item repeated past the limit (generating thousands would be slow).
      ways.push(fc.tuple(item, fc.integer({ min: 1, max: Math.max(10, max * 10) })).map(([value, extra]) => Array.from({ length: max + extra }, () => value)));
    }
    if (schema.minItems !== undefined && schema.minItems > 0) {
      ways.push(fc.array(item, { maxLength: schema.minItems - 1 }));
    }
    const badItem = schema.items === undefined ? undefined : this.violating(schema.items, depth + 1);
    if (badItem !== undefined) {
      const max = Math.max(1, Math.min(schema.maxItems ?? 3, 3));
      ways.push(
        fc.tuple(fc.array(item, { maxLength: max - 1 }), badItem, fc.nat()).map(([items, bad, at]) => {
          const copy = [...items];
          copy.splice(at % (copy.length + 1), 0, bad);
          return copy;
        }),
      );
    }
    return ways;
  }

  private violatingObjects(schema: JsonSchema, depth: number): fc.Arbitrary<unknown>[] {
    const properties = schema.properties ?? {};
    const names = Object.keys(properties);
    const required = (schema.required ?? []).filter((name) => name in properties);
    const ways: fc.Arbitrary<unknown>[] = [];
    const base = this.plausibleObject(schema, depth) as fc.Arbitrary<Record<string, unknown>>;
    for (const name of required) {
      ways.push(
        base.map((value) => {
          const copy = { ...value };
          delete copy[name];
          return copy;
        }),
      );
    }
    if (schema.additionalProperties === false) {
      ways.push(fc.tuple(base, junkString(16).filter((key) => !names.includes(key)), junkJson).map(([value, key, extra]) => ({ ...value, [key]: extra })));
    }
    for (const name of names) {
      const bad = this.violating(properties[name] as JsonSchema, depth + 1);
      if (bad !== undefined) {
        ways.push(fc.tuple(base, bad).map(([value, violation]) => ({ ...value, [name]: violation })));
      }
    }
    return ways;
  }
}
