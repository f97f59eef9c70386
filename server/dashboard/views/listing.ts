// What GET /_dashboard/view/plugins answers: one entry per view a page can show. Types only, shared
// by the route (route.ts) and the page that reads it (app/).

/** One plugin's views, as the view page needs them. */
export interface ViewListing {
  /** The Plugin resource. */
  plugin: string;
  /** `namespace/name`. */
  id: string;
  version: string;
  /** The classes whose resources it renders. */
  classes: string[];
  /** Whether it renders a settings page. */
  settings: boolean;
  /** The manifest's defaultConfig: the config of a Plugin resource that sets none. */
  defaultConfig: Record<string, unknown>;
}
