import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CatalogueData } from '../domain/catalogue.js';
import { buildMicrosoftCatalogue, type CsvRow } from '../domain/microsoft-catalogue.js';

/** The repository's catalogue/ folder, found from this file so the working directory does not matter. */
export const CATALOGUE_DIR = fileURLToPath(new URL('../../catalogue/', import.meta.url));

const CSV_FILE = 'm365-products.csv';
const OVERLAY_FILE = 'catalogue-overlay.json';
const COLUMNS = ['product_name', 'sku_part_number', 'sku_id', 'service_plan_name', 'service_plan_id', 'service_plan_friendly_name'] as const;

const loaded = new Map<string, CatalogueData>();

/**
 * Microsoft's catalogue (610 products, 771 plans, the curated rules), read from
 * `<dataDir>/m365-products.csv` and `<dataDir>/catalogue-overlay.json` once per folder and then
 * served from memory. Throws when either file is missing or inconsistent: Allot must not start
 * with a half-known catalogue.
 */
export function loadMicrosoftCatalogue(dataDir: string = CATALOGUE_DIR): CatalogueData {
  const key = path.resolve(dataDir);
  const cached = loaded.get(key);
  if (cached !== undefined) {
    return cached;
  }
  const rows = readRows(path.join(key, CSV_FILE));
  const overlayPath = path.join(key, OVERLAY_FILE);
  let overlay: unknown;
  try {
    overlay = JSON.parse(readFileSync(overlayPath, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read ${overlayPath}: ${(error as Error).message}`, { cause: error });
  }
  const catalogue = buildMicrosoftCatalogue(rows, overlay);
  loaded.set(key, catalogue);
  return catalogue;
}

function readRows(csvPath: string): CsvRow[] {
  const [header, ...records] = parseCsv(readFileSync(csvPath, 'utf8'));
  if (header === undefined || header.length !== COLUMNS.length || header.some((name, index) => name !== COLUMNS[index])) {
    // Fail on a changed header rather than silently reading the wrong column.
    throw new Error(`${csvPath} has columns ${header?.join(',') ?? '(none)'}; expected ${COLUMNS.join(',')}.`);
  }
  return records.map((fields, index) => {
    if (fields.length !== COLUMNS.length) {
      throw new Error(`${csvPath} line ${index + 2} has ${fields.length} fields; expected ${COLUMNS.length}.`);
    }
    const [product_name, sku_part_number, sku_id, service_plan_name, service_plan_id, service_plan_friendly_name] = fields as [
      string, string, string, string, string, string,
    ];
    return { product_name, sku_part_number, sku_id, service_plan_name, service_plan_id, service_plan_friendly_name };
  });
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/**
 * RFC 4180 reader (quoted fields, doubled quotes, CRLF or LF, a leading BOM; blank lines skipped).
 * csv-parse's sync parser took 100-250 ms for this 1 MB file on a cold start, most of the
 * start-up budget; this loop takes a few milliseconds. The test suite checks it against csv-parse.
 */
export function parseCsv(input: string): string[][] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const rows: string[][] = [];
  let row: string[] = [];
  let index = 0;
  while (index < text.length) {
    let field: string;
    if (text.charCodeAt(index) === QUOTE) {
      field = '';
      let start = index + 1;
      for (;;) {
        const quote = text.indexOf('"', start);
        if (quote < 0) {
          throw new Error(`Unterminated quoted CSV field at offset ${index}.`);
        }
        field += text.slice(start, quote);
        if (text.charCodeAt(quote + 1) === QUOTE) {
          field += '"';
          start = quote + 2;
        } else {
          index = quote + 1;
          break;
        }
      }
    } else {
      const start = index;
      while (index < text.length) {
        const code = text.charCodeAt(index);
        if (code === COMMA || code === LF || code === CR) {
          break;
        }
        index += 1;
      }
      field = text.slice(start, index);
    }
    row.push(field);
    const next = text.charCodeAt(index);
    if (next === COMMA) {
      index += 1;
      if (index === text.length) {
        row.push('');
      }
    } else if (next === CR || next === LF || index >= text.length) {
      index += next === CR && text.charCodeAt(index + 1) === LF ? 2 : 1;
      if (!(row.length === 1 && row[0] === '')) {
        rows.push(row);
      }
      row = [];
    } else {
      throw new Error(`Unexpected character after a quoted CSV field at offset ${index}.`);
    }
  }
  if (row.length > 0) {
    rows.push(row);
  }
  return rows;
}
