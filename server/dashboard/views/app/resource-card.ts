// The viewed resource as the page shows it above the plugin views: each property by its last path
// segment (the full URL on hover), values as text, links to other resources as links to their view.

import type { Resource } from '../../../../sdk/view/protocol.js';

const viewLink = (subject: string): string => `/_dashboard/view?${new URLSearchParams({ subject })}`;
const shortName = (url: string): string => decodeURIComponent(url.replace(/[/#]+$/, '').split(/[/#]/).pop() ?? url);

function valueNode(value: unknown): Node {
  if (Array.isArray(value)) {
    const span = document.createElement('span');
    value.forEach((item, i) => {
      if (i > 0) span.append(', ');
      span.append(valueNode(item));
    });
    return span;
  }
  if (typeof value === 'string' && /^https?:\/\//.test(value)) {
    const a = document.createElement('a');
    a.href = value.startsWith(location.origin) ? viewLink(value) : value;
    a.textContent = value;
    return a;
  }
  return document.createTextNode(typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));
}

/** A card listing a resource's subject and properties. */
export function resourceCard(resource: Resource): HTMLElement {
  const section = document.createElement('section');
  section.className = 'resource';
  const title = document.createElement('h1');
  const name = resource['https://atomicdata.dev/properties/name'];
  title.textContent = typeof name === 'string' ? name : shortName(resource['@id']);
  const subject = document.createElement('p');
  subject.className = 'subject';
  subject.textContent = resource['@id'];
  const list = document.createElement('dl');
  for (const [property, value] of Object.entries(resource)) {
    if (property === '@id') continue;
    const dt = document.createElement('dt');
    dt.textContent = shortName(property);
    dt.title = property;
    const dd = document.createElement('dd');
    dd.append(valueNode(value));
    list.append(dt, dd);
  }
  section.append(title, subject, list);
  return section;
}
