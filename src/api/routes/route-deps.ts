import type { Services } from '../../services/index.js';
import type { UrlBuilder } from '../urls.js';

/** What route modules are given: the services and the URL builder, never the database. */
export interface RouteDeps {
  services: Services;
  urls: UrlBuilder;
}
