import { AppError } from '../domain/errors.js';

/** Parses $select against the entity's properties; an unknown name gets Graph's 400 message. */
export function parseSelect(raw: string | undefined, properties: readonly string[], entity: string): string[] | undefined {
  if (raw === undefined || raw.trim() === '') {
    return undefined;
  }
  const byLowerName = new Map(properties.map((property) => [property.toLowerCase(), property]));
  return [
    ...new Set(
      raw.split(',').map((part) => {
        const name = part.trim();
        const property = byLowerName.get(name.toLowerCase());
        if (property === undefined) {
          throw new AppError('invalidRequest', `Could not find a property named '${name}' on type 'microsoft.graph.${entity}'.`);
        }
        return property;
      }),
    ),
  ];
}
