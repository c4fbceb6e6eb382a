/** Settings › Data retention, in English and Dutch. */
export const dataRetentionEn = {
  'nav.dataRetention': 'Data retention',
} as const;

export const dataRetentionNl: Record<keyof typeof dataRetentionEn, string> = {
  'nav.dataRetention': 'Gegevensretentie',
};
