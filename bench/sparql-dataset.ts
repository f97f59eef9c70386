// The SPARQL benchmark's data: a generated social graph of Atomic Data resources (people who know
// each other, in teams, with a score), written into a data folder before the server starts
// (seed.ts).

import type { AgentIdentity } from '../server/atomic/agent.js';
import type { CommitChanges } from '../server/atomic/commit.js';
import { classes, datatypes, props } from '../server/atomic/urls.js';
import { seedResources } from './seed.js';

/** Teams the people are spread over. */
const TEAMS = 100;
/** Whom person i knows: these offsets from i (modulo the number of people). */
const KNOWS_OFFSETS = [1, 7, 31];
/** Triples a person has in the mirror: isA, parent, name, score, team, 3 × knows, lastCommit. */
const TRIPLES_PER_PERSON = 6 + KNOWS_OFFSETS.length;

/** The URLs of the generated graph on one server. */
export interface SocialGraph {
  serverUrl: string;
  people: number;
  /** The folder the people (and the resources UPDATE creates) live in. */
  folder: string;
  personClass: string;
  knows: string;
  score: string;
  team: string;
  person(i: number): string;
  teamOf(i: number): string;
}

/** The graph with about `triples` triples (the mirror's count is measured, not assumed). */
export function socialGraph(serverUrl: string, triples: number): SocialGraph {
  const base = `${serverUrl}/bench-sparql`;
  const people = Math.max(100, Math.round(triples / TRIPLES_PER_PERSON));
  return {
    serverUrl,
    people,
    folder: `${base}/people`,
    personClass: `${base}/classes/person`,
    knows: `${base}/properties/knows`,
    score: `${base}/properties/score`,
    team: `${base}/properties/team`,
    person: (i) => `${base}/people/p${((i % people) + people) % people}`,
    teamOf: (i) => `${base}/teams/t${i % TEAMS}`,
  };
}

/** A deterministic score from 0 to 999. */
export function scoreOf(i: number): number {
  return (i * 7_919) % 1_000;
}

/** Every commit that builds the graph, in order: ontology, folders, teams, people. */
function graphCommits(g: SocialGraph): CommitChanges[] {
  const base = `${g.serverUrl}/bench-sparql`;
  const property = (subject: string, shortname: string, datatype: string, description: string): CommitChanges => ({
    subject,
    set: { [props.parent]: base, [props.isA]: [classes.property], [props.shortname]: shortname, [props.datatype]: datatype, [props.description]: description },
  });
  const changes: CommitChanges[] = [
    { subject: base, set: { [props.parent]: g.serverUrl, [props.name]: 'SPARQL benchmark data' } },
    property(g.knows, 'knows', datatypes.resourceArray, 'People this person knows.'),
    property(g.score, 'score', datatypes.integer, 'A number from 0 to 999.'),
    property(g.team, 'team', datatypes.atomicUrl, 'The team this person is in.'),
    {
      subject: g.personClass,
      set: { [props.parent]: base, [props.isA]: [classes.class], [props.shortname]: 'person', [props.description]: 'A generated person.', [props.requires]: [props.name], [props.recommends]: [g.knows, g.score, g.team] },
    },
    { subject: `${base}/teams`, set: { [props.parent]: base, [props.name]: 'Teams' } },
    { subject: g.folder, set: { [props.parent]: base, [props.name]: 'People' } },
  ];
  for (let t = 0; t < TEAMS; t++) changes.push({ subject: g.teamOf(t), set: { [props.parent]: `${base}/teams`, [props.name]: `Team ${t}` } });
  for (let i = 0; i < g.people; i++) {
    changes.push({
      subject: g.person(i),
      set: {
        [props.isA]: [g.personClass],
        [props.parent]: g.folder,
        [props.name]: `Person ${i}`,
        [g.score]: scoreOf(i),
        [g.team]: g.teamOf(i),
        [g.knows]: KNOWS_OFFSETS.map((d) => g.person(i + d)),
      },
    });
  }
  return changes;
}

/**
 * Initializes `dataDir` for the graph's server as `serve` would and writes the graph into it.
 * Resolves with the owner and the number of resources written.
 */
export function seedSocialGraph(dataDir: string, g: SocialGraph): Promise<{ owner: AgentIdentity; resources: number }> {
  return seedResources(dataDir, g.serverUrl, graphCommits(g));
}
