// The TodoMVC plugin (plugins/todo) in real Chromium against a real server: the CRUD, todo and SPARQL
// plugins built and installed with the CLI, the owner signing in with their secret, then every
// TodoMVC behaviour, persistence across reloads and a server restart, and the todos read back as
// Atomic Data resources with @tomic/lib and through /sparql. Needs Debian's chromium (`apt-get install chromium`).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, Store } from '@tomic/lib';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSecret } from '../server/atomic/agent.js';
import { signRequestHeaders } from '../server/atomic/auth.js';
import { props } from '../server/atomic/urls.js';
import { cliEnv, runCli } from './support/cli-run.js';
import { getAs, ownerOf, registerAgent } from './support/commits.js';
import { launchChromium, noChromium, poll } from './support/chromium.js';
import { startHostProcess, type HostProcess } from './support/host-process.js';

interface CrudItem {
  '@id': string;
  id: string;
  title: string;
  completed?: boolean;
  created?: number;
  parent?: string;
}

describe.skipIf(noChromium)('the TodoMVC plugin in Chromium', () => {
  let host: HostProcess;
  let browser: Browser;
  let page: Page;
  let work: string;
  const subjects = () => {
    const ontology = `${host.url}/todo-ontology`;
    return { ontology, todoClass: `${ontology}/class/todo`, title: `${ontology}/property/title`, completed: `${ontology}/property/completed`, created: `${ontology}/property/created`, list: `${host.url}/todos` };
  };
  const cli = (...args: string[]) =>
    runCli(args, { env: cliEnv(join(work, 'config.json'), { ATOMIC_SERVER_URL: host.url, ATOMIC_AGENT_SECRET: host.secret }), timeoutMs: 180_000 });
  const install = async (plugin: string): Promise<void> => {
    const run = await cli('install', `plugins/${plugin}`, '--yes', '--json');
    expect(run.code, `${run.stdout}${run.stderr}`).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'active' });
  };

  // ---- the page ----
  const appUrl = () => `${host.url}/todo/`;
  const items = (): Locator => page.locator('.todo-list li');
  const item = (title: string): Locator => items().filter({ has: page.locator('label').getByText(title, { exact: true }) });
  const titles = (): Promise<string[]> => page.locator('.todo-list li label').allTextContents();
  const shown = async (): Promise<{ title: string; completed: boolean }[]> =>
    items().evaluateAll((lis) => lis.map((li) => ({ title: li.querySelector('label')?.textContent ?? '', completed: li.classList.contains('completed') })));
  const counter = (): Promise<string> => page.locator('.todo-count').innerText();
  const add = async (title: string): Promise<void> => {
    const before = await items().count();
    await page.locator('.new-todo').fill(title);
    await page.locator('.new-todo').press('Enter');
    await poll(() => items().count()).toBe(before + 1);
  };
  const errorText = (): Promise<string | null> => page.locator('.error').textContent();
  const signIn = async (secret: string): Promise<void> => {
    await page.locator('#secret').fill(secret);
    await page.locator('.sign-in button[type=submit]').click();
  };

  // ---- the store, as other clients see it ----
  const crudItems = async (): Promise<CrudItem[]> => {
    const url = `${host.url}/crud/todo?${new URLSearchParams({ parent: subjects().list, pageSize: '100' })}`;
    const response = await fetch(url, { headers: { accept: 'application/json', ...signRequestHeaders(url, ownerOf(host)) } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { items: CrudItem[] }).items;
  };
  const lastCommits = async (): Promise<string[]> =>
    Promise.all(Object.values(subjects()).map(async (subject) => String((await getAs(subject, ownerOf(host))).body?.[props.lastCommit])));

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'atomic-todo-'));
    host = await startHostProcess();
    await install('crud');
    await install('todo');
    await install('sparql');
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await host?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('init made the todo class, its properties and the list; @tomic/lib resolves them from the server', async () => {
    const s = subjects();
    const store = new Store({ serverUrl: host.url, agent: Agent.fromSecret(host.secret) });
    const todoClass = await store.fetchResourceFromServer(s.todoClass);
    expect(todoClass.error).toBeUndefined();
    expect(todoClass.get(props.shortname)).toBe('todo');
    expect(todoClass.get(props.requires)).toEqual([s.title]);
    expect(todoClass.get(props.recommends)).toEqual([s.completed, s.created]);
    const datatypes = await Promise.all([s.title, s.completed, s.created].map(async (p) => (await store.getProperty(p)).datatype));
    expect(datatypes).toEqual(['string', 'boolean', 'timestamp'].map((d) => `https://atomicdata.dev/datatypes/${d}`));
    // The definitions are public (any client can resolve them); the list is as private as the drive.
    expect((await getAs(s.title)).status).toBe(200);
    expect((await getAs(s.list)).status).toBe(401);
    expect((await getAs(s.list, ownerOf(host))).body?.[props.parent]).toBe(host.url);
  });

  it('serves the app at /todo/ (and sends /todo there) with a strict content security policy', async () => {
    const redirect = await fetch(`${host.url}/todo`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/todo/');
    const html = await fetch(appUrl());
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await html.text()).toContain(`<meta name="todo-list" content="${subjects().list}">`);
    for (const [file, type] of [['app.js', 'text/javascript'], ['app.css', 'text/css']] as const) {
      const response = await fetch(`${appUrl()}${file}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(`${type}; charset=utf-8`);
    }
    expect((await fetch(`${appUrl()}nothing.js`)).status).toBe(404);
  });

  it('asks for a secret, shows why a secret is refused, and signs in with the owner\'s', async () => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(appUrl());
    await poll(() => page.locator('.sign-in').isVisible()).toBe(true);
    expect(await page.locator('.new-todo').isVisible()).toBe(false);

    await signIn('certainly not a secret');
    await poll(errorText).toContain('not an agent secret');
    // Well formed, but the server knows no such agent: its refusal is shown.
    const stranger = { privateKey: 'CapMWIhFUT+w7ANv9oCPqrHrwZpkP2JhzF9JnyT6WcI=', subject: `${host.url}/agents/7LsjMW5gOfDdJzK/atgjQ1t20J/rw8MjVg6xwqm+h8U=` };
    await signIn(encodeSecret(stranger));
    await poll(errorText).toContain(`unknown agent ${stranger.subject}`);
    expect(await page.locator('.sign-in').isVisible()).toBe(true);

    await signIn(host.secret);
    await poll(() => page.locator('.new-todo').isVisible()).toBe(true);
    expect(await page.locator('.sign-in').isVisible()).toBe(false);
    expect(await page.locator('.error').isVisible()).toBe(false);
    expect(await page.locator('.session .agent').textContent()).toBe(ownerOf(host).subject);
    // No todos yet: no list and no footer.
    expect(await page.locator('.main').isVisible()).toBe(false);
    expect(await page.locator('.footer').isVisible()).toBe(false);
    expect(errors).toEqual([]);
  });

  it('adds a todo on Enter, trimmed, and ignores an empty one', async () => {
    await add('  Buy milk  ');
    expect(await titles()).toEqual(['Buy milk']);
    expect(await counter()).toBe('1 item left');
    expect(await page.locator('.new-todo').inputValue()).toBe('');
    await page.locator('.new-todo').fill('    ');
    await page.locator('.new-todo').press('Enter');
    await add('Walk the dog');
    await add('Write the report');
    expect(await titles()).toEqual(['Buy milk', 'Walk the dog', 'Write the report']);
    expect(await counter()).toBe('3 items left');
    expect(await page.locator('.main').isVisible()).toBe(true);
    expect(await page.locator('.clear-completed').isVisible()).toBe(false);
  });

  it('toggles a todo, and counts what is left', async () => {
    await item('Walk the dog').locator('.toggle').check();
    await poll(() => item('Walk the dog').getAttribute('class')).toContain('completed');
    expect(await counter()).toBe('2 items left');
    expect(await page.locator('.clear-completed').isVisible()).toBe(true);
    await item('Walk the dog').locator('.toggle').uncheck();
    await poll(counter).toBe('3 items left');
    expect(await page.locator('.clear-completed').isVisible()).toBe(false);
  });

  it('edits on double-click: Enter and blur save (trimmed), Escape cancels, an emptied title deletes', async () => {
    await item('Buy milk').locator('label').dblclick();
    const edit = item('Buy milk').locator('.edit');
    expect(await page.evaluate('document.activeElement.className')).toBe('edit');
    expect(await edit.inputValue()).toBe('Buy milk');
    await edit.fill('  Buy oat milk ');
    await edit.press('Enter');
    await poll(titles).toEqual(['Buy oat milk', 'Walk the dog', 'Write the report']);
    expect(await page.locator('.todo-list li.editing').count()).toBe(0);

    await item('Walk the dog').locator('label').dblclick();
    await item('Walk the dog').locator('.edit').fill('Walk the cat');
    await item('Walk the dog').locator('.edit').press('Escape');
    expect(await titles()).toEqual(['Buy oat milk', 'Walk the dog', 'Write the report']);
    expect(await page.locator('.todo-list li.editing').count()).toBe(0);

    await item('Walk the dog').locator('label').dblclick();
    await item('Walk the dog').locator('.edit').fill('Walk the dog twice');
    await page.locator('.new-todo').focus(); // leaving the field saves it
    await poll(titles).toEqual(['Buy oat milk', 'Walk the dog twice', 'Write the report']);

    await add('Something to forget');
    await item('Something to forget').locator('label').dblclick();
    await item('Something to forget').locator('.edit').fill('   ');
    await item('Something to forget').locator('.edit').press('Enter');
    await poll(titles).toEqual(['Buy oat milk', 'Walk the dog twice', 'Write the report']);
    expect((await crudItems()).map((i) => i.title).sort()).toEqual(['Buy oat milk', 'Walk the dog twice', 'Write the report']);
  });

  it('filters All / Active / Completed through the URL hash', async () => {
    await item('Buy oat milk').locator('.toggle').check();
    await poll(counter).toBe('2 items left');
    await page.getByRole('link', { name: 'Active' }).click();
    await poll(titles).toEqual(['Walk the dog twice', 'Write the report']);
    expect(new URL(page.url()).hash).toBe('#/active');
    expect(await page.locator('.filters a.selected').textContent()).toBe('Active');
    await page.getByRole('link', { name: 'Completed' }).click();
    await poll(titles).toEqual(['Buy oat milk']);
    expect(new URL(page.url()).hash).toBe('#/completed');
    await page.getByRole('link', { name: 'All' }).click();
    await poll(titles).toEqual(['Buy oat milk', 'Walk the dog twice', 'Write the report']);
    expect(new URL(page.url()).hash).toBe('#/');
    // The hash alone picks the filter, as when a link is opened or the page reloaded.
    await page.goto(`${appUrl()}#/completed`);
    await poll(titles).toEqual(['Buy oat milk']);
    expect(await page.locator('.filters a.selected').textContent()).toBe('Completed');
    await page.goto(`${appUrl()}#/`);
    await poll(titles).toHaveLength(3);
  });

  it('toggles all, both ways', async () => {
    await page.locator('.toggle-all + label').click();
    await poll(shown).toEqual(['Buy oat milk', 'Walk the dog twice', 'Write the report'].map((title) => ({ title, completed: true })));
    expect(await counter()).toBe('0 items left');
    expect(await page.locator('.toggle-all').isChecked()).toBe(true);
    await page.locator('.toggle-all + label').click();
    await poll(counter).toBe('3 items left');
    expect((await shown()).every((t) => !t.completed)).toBe(true);
    expect(await page.locator('.toggle-all').isChecked()).toBe(false);
  });

  it('deletes with the destroy button', async () => {
    await add('Delete me');
    await item('Delete me').hover();
    await item('Delete me').locator('.destroy').click();
    await poll(titles).toEqual(['Buy oat milk', 'Walk the dog twice', 'Write the report']);
  });

  it('clears the completed todos, and hides the button when there are none', async () => {
    await item('Walk the dog twice').locator('.toggle').check();
    await item('Write the report').locator('.toggle').check();
    await poll(counter).toBe('1 item left');
    await page.locator('.clear-completed').click();
    await poll(titles).toEqual(['Buy oat milk']);
    expect(await page.locator('.clear-completed').isVisible()).toBe(false);
    await add('Call mum');
    await item('Call mum').locator('.toggle').check();
    await poll(counter).toBe('1 item left');
  });

  it('keeps the todos: a reload, a new browser session and a server restart show the same list', async () => {
    const expected = [
      { title: 'Buy oat milk', completed: false },
      { title: 'Call mum', completed: true },
    ];
    await page.reload();
    await poll(shown).toEqual(expected);
    expect(await counter()).toBe('1 item left');

    // The secret is remembered in this browser, not elsewhere: a fresh context asks for it.
    const other = await (await browser.newContext()).newPage();
    await other.goto(appUrl());
    await poll(() => other.locator('.sign-in').isVisible()).toBe(true);
    await other.context().close();

    const before = await lastCommits();
    await host.stop();
    host = await startHostProcess({ dataDir: host.dataDir, port: host.port });
    // A restart runs init again, which finds everything in place and commits nothing.
    expect(await lastCommits()).toEqual(before);
    await page.reload();
    await poll(shown).toEqual(expected);
  });

  it('stores each todo as an Atomic Data resource that @tomic/lib reads as the UI shows it', async () => {
    const s = subjects();
    const listed = await crudItems();
    expect(listed).toHaveLength(2);
    const store = new Store({ serverUrl: host.url, agent: Agent.fromSecret(host.secret) });
    const read = await Promise.all(
      listed.map(async ({ '@id': subject }) => {
        const resource = await store.fetchResourceFromServer(subject);
        expect(resource.error).toBeUndefined();
        expect(resource.getClasses()).toEqual([s.todoClass]);
        expect(resource.get(props.parent)).toBe(s.list);
        expect(subject.startsWith(`${s.list}/`)).toBe(true);
        expect(typeof resource.get(s.created)).toBe('number');
        return { title: resource.get(s.title), completed: resource.get(s.completed) === true, created: resource.get(s.created) as number };
      }),
    );
    read.sort((a, b) => a.created - b.created);
    expect(read.map(({ title, completed }) => ({ title, completed }))).toEqual(await shown());
    // The SPARQL plugin mirrors them: the owner finds the same todos through /sparql, anonymous
    // requesters (the list is private) find none.
    const select = `SELECT ?title ?completed WHERE { ?todo <${props.isA}> <${s.todoClass}> ; <${s.title}> ?title ; <${s.completed}> ?completed } ORDER BY ?title`;
    const sparql = async (as?: ReturnType<typeof ownerOf>) => {
      const answer = await getAs(`${host.url}/sparql?query=${encodeURIComponent(select)}`, as, 'application/sparql-results+json');
      const bindings = (answer.body as { results?: { bindings: Record<string, { value: string }>[] } } | undefined)?.results?.bindings;
      return answer.status === 200 && bindings ? bindings.map((b) => ({ title: b.title!.value, completed: b.completed!.value === 'true' })) : answer.status;
    };
    const byTitle = [...read].sort((a, b) => (a.title as string).localeCompare(b.title as string)).map(({ title, completed }) => ({ title, completed }));
    await poll(() => sparql(ownerOf(host))).toEqual(byTitle);
    expect(await sparql()).toEqual([]);
  });

  it('shows the server\'s refusal when an agent without rights on the list adds a todo', async () => {
    const visitor = await registerAgent(host.url, 'Visitor');
    const context = await browser.newContext();
    const other = await context.newPage();
    await other.goto(appUrl());
    await other.locator('#secret').fill(encodeSecret(visitor));
    await other.locator('.sign-in button[type=submit]').click();
    await poll(() => other.locator('.new-todo').isVisible()).toBe(true);
    // The owner's todos are not theirs to see.
    expect(await other.locator('.todo-list li').count()).toBe(0);
    await other.locator('.new-todo').fill('Not mine to add');
    await other.locator('.new-todo').press('Enter');
    // The CRUD plugin passes on the host's refusal of the commit made on the visitor's behalf (403).
    await poll(() => other.locator('.error').textContent()).toContain(`Adding "Not mine to add" failed: The agent lacks the rights for this: ${visitor.subject} may not create`);
    expect(await other.locator('.todo-list li').count()).toBe(0);
    await other.locator('.sign-out').click();
    await poll(() => other.locator('.sign-in').isVisible()).toBe(true);
    await context.close();
    expect((await crudItems()).map((i) => i.title).sort()).toEqual(['Buy oat milk', 'Call mum']);
  });
});
