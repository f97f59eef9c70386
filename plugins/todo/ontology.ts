// The todo ontology and list this plugin keeps in the drive: a Class with shortname `todo`
// (title required; completed and created recommended), its three properties, the Ontology that
// groups them (public, so any client can resolve the definitions) and the Folder the todos go in
// (private to the drive's owners, like the rest of the drive). The SDK's `ensureResources` makes
// the store match them at every init.

import { core, ontologyResource, propertyResource, type WantedResource } from 'atomic-plugin/sdk/js';

const p = core.properties;
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

/** Every resource the plugin keeps on `server`, parents before children. */
export function wantedResources(server: string): WantedResource[] {
  const s = todoSubjects(server);
  return [
    ontologyResource(server, s.ontology, {
      shortname: 'todo-ontology',
      name: 'Todos',
      description: 'The TodoMVC app of the atomic/todo plugin: a todo has a title, whether it is completed, and when it was created.',
      classes: [s.todoClass],
      properties: [s.title, s.completed, s.created],
    }),
    propertyResource(s.ontology, s.title, 'title', core.datatypes.string, 'What there is to do.'),
    propertyResource(s.ontology, s.completed, 'completed', core.datatypes.boolean, 'Whether it is done.'),
    propertyResource(s.ontology, s.created, 'created', core.datatypes.timestamp, 'When the todo was made; the list is in this order.'),
    {
      subject: s.todoClass,
      exact: true,
      set: {
        [p.isA]: [core.classes.class],
        [p.parent]: s.ontology,
        [p.shortname]: 'todo',
        [p.description]: 'Something to do, in a TodoMVC list.',
        [p.requires]: [s.title],
        [p.recommends]: [s.completed, s.created],
      },
    },
    {
      subject: s.list,
      exact: false,
      set: { [p.isA]: [core.classes.folder], [p.parent]: server, [p.name]: 'Todos', [DISPLAY_STYLE]: LIST_STYLE },
    },
  ];
}
