/** The usage-location codes are a wire fact shared with the admin center (contracts/); services reach them through the domain. */
export { ISO_3166_ALPHA2, isUsageLocation } from '../contracts/usage-location.js';
