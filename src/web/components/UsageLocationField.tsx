import { Combobox, Field, Option } from '@fluentui/react-components';
import { useMemo, useState } from 'react';
import { ISO_3166_ALPHA2 } from '../../contracts/usage-location.js';
import { useI18n } from '../i18n/i18n.js';

interface Props {
  label: string;
  value: string | null;
  onChange: (code: string | null) => void;
  required?: boolean;
  hint?: string;
  validationMessage?: string;
}

/** A country's name in the page's language, from its ISO 3166-1 code ("NL" → "Netherlands" / "Nederland"). */
export function useCountryName(): (code: string) => string {
  const { language } = useI18n();
  return useMemo(() => {
    const names = new Intl.DisplayNames([language], { type: 'region' });
    return (code: string) => names.of(code) ?? code;
  }, [language]);
}

/** A usage location (the country a license is used in), chosen by country name in the page's language; typing filters. */
export function UsageLocationField({ label, value, onChange, required = false, hint, validationMessage }: Props) {
  const { language } = useI18n();
  const countryName = useCountryName();
  const countries = useMemo(
    () => [...ISO_3166_ALPHA2].map((code) => ({ code, name: countryName(code) })).sort((a, b) => a.name.localeCompare(b.name, language)),
    [countryName, language],
  );
  const selectedName = countries.find((country) => country.code === value)?.name ?? '';
  const [typed, setTyped] = useState<string>();
  const query = (typed ?? '').trim().toLocaleLowerCase(language);
  const shown = typed === undefined || query === '' ? countries : countries.filter((country) => country.name.toLocaleLowerCase(language).includes(query) || country.code.toLowerCase() === query);

  return (
    <Field label={label} required={required} hint={hint} validationMessage={validationMessage}>
      <Combobox
        value={typed ?? selectedName}
        selectedOptions={value === null ? [] : [value]}
        onChange={(event) => setTyped(event.target.value)}
        onOptionSelect={(_event, data) => {
          setTyped(undefined);
          onChange(data.optionValue ?? null);
        }}
        onBlur={() => setTyped(undefined)}
      >
        {shown.map((country) => (
          <Option key={country.code} value={country.code} text={country.name}>
            {country.name}
          </Option>
        ))}
      </Combobox>
    </Field>
  );
}
