// The viewed resource as the page shows it above the plugin views: each property by its last path
// segment (the full URL on hover), values as text, links to this server's resources as links to
// their view.

import type { Resource } from '../../../../sdk/view/protocol.js';
import { h, type Child } from '../../app/dom.js';

const NAME = 'https://atomicdata.dev/properties/name';
const viewLink = (subject: string): string => `/_dashboard/view?${new URLSearchParams({ subject })}`;
const shortName = (url: string): string => decodeURIComponent(url.replace(/[/#]+$/, '').split(/[/#]/).pop() ?? url);

function valueNode(value: unknown): Child {
  if (Array.isArray(value)) return h('span', {}, ...value.flatMap((item, i) => (i > 0 ? [', ', valueNode(item)] : [valueNode(item)])));
  if (typeof value === 'string' && /^https?:\/\//.test(value)) return h('a', { href: value.startsWith(`${location.origin}/`) || value === location.origin ? viewLink(value) : value }, value);
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** A card listing a resource's subject and properties. */
export function resourceCard(resource: Resource): HTMLElement {
  const name = resource[NAME];
  const rows = Object.entries(resource)
    .filter(([property]) => property !== '@id')
    .flatMap(([property, value]) => [h('dt', { title: property }, shortName(property)), h('dd', {}, valueNode(value))]);
  return h(
    'section',
    { class: 'resource' },
    h('h1', {}, typeof name === 'string' ? name : shortName(resource['@id'])),
    h('p', { class: 'subject' }, resource['@id']),
    h('dl', {}, ...rows),
  );
}
