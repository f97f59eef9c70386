// The todo ontology and list this plugin keeps in the drive: a Class with shortname `todo`
// (title required; completed and created recommended), its three properties, the Ontology that
// groups them (public, so any client can resolve the definitions) and the Folder the todos go in
// (private to the drive's owners, like the rest of the drive). The SDK's `ensureResources` makes
// the store match them at every init.

import type { PropVals, WantedResource } from 'atomic-plugin/sdk/js';

const P = 'https://atomicdata.dev/properties/';
const C = 'https://atomicdata.dev/classes/';
const D = 'https://atomicdata.dev/datatypes/';
const PUBLIC_AGENT = 'https://atomicdata.dev/agents/publicAgent';
const ONTOLOGY_CLASS = 'https://atomicdata.dev/class/ontology';
const DISPLAY_STYLE = 'https://atomicdata.dev/property/display-style';
const LIST_STYLE = 'https://atomicdata.dev/display-style/list';

/** The subjects of the todo ontology and list on a server. */
export interface TodoSubjects {
  ontology: string;
  todoClass: string;
  title: string;
  completed: string;
  created: string;
  /** The Folder new todos are created in (their parent). */
  list: string;
}

/** Where the ontology and the list live on the server at `server` (its URL, the drive's subject). */
export function todoSubjects(server: string): TodoSubjects {
  const ontology = `${server}/todo-ontology`;
  return {
    ontology,
    todoClass: `${ontology}/class/todo`,
    title: `${ontology}/property/title`,
    completed: `${ontology}/property/completed`,
    created: `${ontology}/property/created`,
    list: `${server}/todos`,
  };
}

function property(s: TodoSubjects, shortname: string, datatype: string, description: string): PropVals {
  return { [`${P}isA`]: [`${C}Property`], [`${P}parent`]: s.ontology, [`${P}shortname`]: shortname, [`${P}datatype`]: `${D}${datatype}`, [`${P}description`]: description };
}

/** Every resource the plugin keeps on `server`, parents before children. */
export function wantedResources(server: string): WantedResource[] {
  const s = todoSubjects(server);
  return [
    {
      subject: s.ontology,
      exact: true,
      set: {
        [`${P}isA`]: [ONTOLOGY_CLASS],
        [`${P}parent`]: server,
        [`${P}shortname`]: 'todo-ontology',
        [`${P}name`]: 'Todos',
        [`${P}description`]: 'The TodoMVC app of the atomic/todo plugin: a todo has a title, whether it is completed, and when it was created.',
        [`${P}classes`]: [s.todoClass],
        [`${P}properties`]: [s.title, s.completed, s.created],
        [`${P}read`]: [PUBLIC_AGENT],
      },
    },
    { subject: s.title, exact: true, set: property(s, 'title', 'string', 'What there is to do.') },
    { subject: s.completed, exact: true, set: property(s, 'completed', 'boolean', 'Whether it is done.') },
    { subject: s.created, exact: true, set: property(s, 'created', 'timestamp', 'When the todo was made; the list is in this order.') },
    {
      subject: s.todoClass,
      exact: true,
      set: {
        [`${P}isA`]: [`${C}Class`],
        [`${P}parent`]: s.ontology,
        [`${P}shortname`]: 'todo',
        [`${P}description`]: 'Something to do, in a TodoMVC list.',
        [`${P}requires`]: [s.title],
        [`${P}recommends`]: [s.completed, s.created],
      },
    },
    {
      subject: s.list,
      exact: false,
      set: { [`${P}isA`]: [`${C}Folder`], [`${P}parent`]: server, [`${P}name`]: 'Todos', [DISPLAY_STYLE]: LIST_STYLE },
    },
  ];
}
