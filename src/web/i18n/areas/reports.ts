/** Reports › Reclaim, in English and Dutch. */
export const reportsEn = {
  'nav.reports': 'Reports',
  'nav.reclaim': 'Reclaim',
} as const;

export const reportsNl: Record<keyof typeof reportsEn, string> = {
  'nav.reports': 'Rapporten',
  'nav.reclaim': 'Terugwinnen',
};
