import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { en, type MessageKey, type Messages } from './messages-en.js';
import { nl } from './messages-nl.js';

export const LANGUAGES = ['en', 'nl'] as const;
export type Language = (typeof LANGUAGES)[number];

const CATALOGUES: Record<Language, Messages> = { en, nl };
const LOCALES: Record<Language, string> = { en: 'en-US', nl: 'nl-NL' };
const STORAGE_KEY = 'allot.language';

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

interface I18n {
  language: Language;
  setLanguage: (language: Language) => void;
  t: Translate;
  formatNumber: (value: number) => string;
  formatDate: (iso: string) => string;
  /** Date and time, for events where the hour matters (deliveries, attempts). */
  formatDateTime: (iso: string) => string;
  /** An amount in a currency (ISO 4217), in the page's language: € 33,75 or €33.75. */
  formatMoney: (amount: number, currency: string) => string;
}

const I18nContext = createContext<I18n | undefined>(undefined);

const isLanguage = (value: string | null): value is Language => value !== null && (LANGUAGES as readonly string[]).includes(value);

/** The stored choice, else the browser's first language we speak, else English. */
function initialLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (isLanguage(stored)) {
    return stored;
  }
  const preferred = navigator.languages.map((tag) => tag.slice(0, 2).toLowerCase()).find(isLanguage);
  return preferred ?? 'en';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  const setLanguage = useCallback((next: Language) => {
    localStorage.setItem(STORAGE_KEY, next);
    setLanguageState(next);
  }, []);

  const value = useMemo<I18n>(() => {
    const messages = CATALOGUES[language];
    const numbers = new Intl.NumberFormat(LOCALES[language]);
    const dates = new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'medium' });
    const dateTimes = new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'medium', timeStyle: 'medium' });
    const formatNumber = (value: number) => numbers.format(value);
    return {
      language,
      setLanguage,
      formatNumber,
      formatDate: (iso: string) => dates.format(new Date(iso)),
      formatDateTime: (iso: string) => dateTimes.format(new Date(iso)),
      formatMoney: (amount: number, currency: string) => new Intl.NumberFormat(LOCALES[language], { style: 'currency', currency }).format(amount),
      t: (key, values = {}) => messages[key].replace(/\{(\w+)\}/g, (placeholder, name: string) => {
        const replacement = values[name];
        if (replacement === undefined) {
          return placeholder;
        }
        return typeof replacement === 'number' ? formatNumber(replacement) : replacement;
      }),
    };
  }, [language, setLanguage]);

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const context = useContext(I18nContext);
  if (context === undefined) {
    throw new Error('useI18n outside I18nProvider');
  }
  return context;
}
