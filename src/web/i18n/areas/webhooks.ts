/** Settings › Webhooks, in English and Dutch. */
export const webhooksEn = {} as const;

export const webhooksNl: Record<keyof typeof webhooksEn, string> = {};
