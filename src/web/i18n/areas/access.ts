/** Settings › Roles and Settings › Apps, in English and Dutch. */
export const accessEn = {} as const;

export const accessNl: Record<keyof typeof accessEn, string> = {};
