import type { Translate } from '../../i18n/i18n.js';
import { en, type MessageKey } from '../../i18n/messages-en.js';

const isMessageKey = (key: string): key is MessageKey => Object.hasOwn(en, key);

/**
 * The admin center's words for a name the API lists (an application permission, an event type):
 * `${prefix}${name}` when translated, else the API's own English description, so a name added to
 * the API shows before it is translated.
 */
export function describeChoice(prefix: string, name: string, apiDescription: string, t: Translate): string {
  const key = `${prefix}${name}`;
  return isMessageKey(key) ? t(key) : apiDescription;
}
