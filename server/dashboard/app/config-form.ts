// The form that edits a plugin's config, generated from its configSchema: objects become
// fieldsets, strings text inputs, numbers and integers numeric inputs, booleans checkboxes, enums
// selects, arrays of strings a line per item (or checkboxes for arrays of enums), and anything
// else a JSON text area. On save the config is checked in the browser (config-schema.ts), each
// problem shown at its field; only a config that passes is handed to `save`, whose refusal (the
// server's) is shown in the form.

import { checkConfig, type ConfigProblem } from './config-schema.js';
import { h, messageOf } from './dom.js';

type JsonSchema = Record<string, unknown>;

/** What reading a field gives: a value, nothing (the key is left out), or a problem of its own. */
type Reading = { value: unknown } | { omit: true } | { problem: string };

interface Field {
  pointer: string;
  /** The element marked invalid, and the one the problem is written to. */
  input: HTMLElement;
  problem: HTMLElement;
  read(): Reading;
}

/** What the form needs. */
export interface ConfigFormOptions {
  /** Names the form for assistive technology, e.g. "Config of atomic/crud". */
  label: string;
  schema: JsonSchema | undefined;
  config: Record<string, unknown>;
  save(config: Record<string, unknown>): Promise<void>;
  cancel(): void;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
let ids = 0;

function typeOf(schema: JsonSchema): string | undefined {
  const type = schema.type;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.find((t): t is string => typeof t === 'string' && t !== 'null');
  return isObject(schema.properties) ? 'object' : undefined;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function numberHelp(schema: JsonSchema): string | undefined {
  const low = schema.minimum ?? schema.exclusiveMinimum;
  const high = schema.maximum ?? schema.exclusiveMaximum;
  if (typeof low === 'number' && typeof high === 'number') return `From ${low} to ${high}.`;
  if (typeof low === 'number') return `At least ${low}.`;
  if (typeof high === 'number') return `At most ${high}.`;
  return undefined;
}

/** Builds the form's fields into `container`. */
class FieldBuilder {
  readonly fields: Field[] = [];

  /** A labelled control for `schema` at `pointer`; objects recurse into a fieldset. */
  add(container: HTMLElement, key: string, schema: JsonSchema, value: unknown, pointer: string, required: boolean): (() => Reading) {
    const type = typeOf(schema);
    if (type === 'object' && isObject(schema.properties)) return this.#object(container, key, schema, value, pointer, required);
    const id = `config-field-${++ids}`;
    const problem = h('p', { class: 'problem', id: `${id}-problem`, hidden: true });
    const description = typeof schema.description === 'string' ? schema.description : undefined;
    const title = `${typeof schema.title === 'string' ? schema.title : key}${required ? ' (required)' : ''}`;
    const helpText = [description, type === 'number' || type === 'integer' ? numberHelp(schema) : undefined].filter(Boolean).join(' ');
    const help = helpText ? h('p', { class: 'help', id: `${id}-help` }, helpText) : null;
    const describedBy = [help ? `${id}-help` : '', `${id}-problem`].filter(Boolean).join(' ');
    const label = h('label', { for: id }, title);
    let input: HTMLElement;
    let read: () => Reading;
    const wrapper = h('div', { class: 'field', 'data-pointer': pointer });

    if (Array.isArray(schema.enum)) {
      const options = schema.enum;
      const select = h('select', { id, 'aria-describedby': describedBy }, !required || value === undefined ? h('option', { value: '' }, '(not set)') : null);
      options.forEach((option, i) => select.append(h('option', { value: String(i) }, typeof option === 'string' ? option : JSON.stringify(option))));
      const index = options.findIndex((o) => JSON.stringify(o) === JSON.stringify(value));
      select.value = index >= 0 ? String(index) : '';
      input = select;
      read = () => (select.value === '' ? { omit: true } : { value: options[Number(select.value)] });
      wrapper.append(label, select);
    } else if (type === 'boolean') {
      const box = h('input', { id, type: 'checkbox', 'aria-describedby': describedBy });
      box.checked = value === true;
      input = box;
      read = () => ({ value: box.checked });
      wrapper.classList.add('checkbox');
      wrapper.append(box, label);
    } else if (type === 'integer' || type === 'number') {
      const field = h('input', { id, type: 'text', inputmode: type === 'integer' ? 'numeric' : 'decimal', autocomplete: 'off', 'aria-describedby': describedBy });
      field.value = typeof value === 'number' ? String(value) : '';
      input = field;
      read = () => {
        const text = field.value.trim();
        if (text === '') return { omit: true };
        const number = Number(text);
        if (!Number.isFinite(number)) return { problem: type === 'integer' ? 'Enter a whole number.' : 'Enter a number.' };
        return { value: number };
      };
      wrapper.append(label, field);
    } else if (type === 'string') {
      const field = h('input', { id, type: 'text', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': describedBy });
      field.value = typeof value === 'string' ? value : '';
      input = field;
      read = () => (field.value === '' && value === undefined ? { omit: true } : { value: field.value });
      wrapper.append(label, field);
    } else if (type === 'array' && isObject(schema.items) && Array.isArray(schema.items.enum)) {
      const choices = schema.items.enum;
      const chosen = Array.isArray(value) ? value.map((v) => JSON.stringify(v)) : [];
      const boxes = choices.map((choice, i) => {
        const box = h('input', { type: 'checkbox', id: `${id}-${i}` });
        box.checked = chosen.includes(JSON.stringify(choice));
        return box;
      });
      const group = h('fieldset', { id, 'aria-describedby': describedBy }, h('legend', {}, title), ...boxes.map((box, i) => h('div', { class: 'field checkbox' }, box, h('label', { for: box.id }, String(choices[i])))));
      input = group;
      read = () => ({ value: choices.filter((_, i) => boxes[i]!.checked) });
      wrapper.append(group);
    } else if (type === 'array' && isObject(schema.items) && typeOf(schema.items) === 'string') {
      const area = h('textarea', { id, rows: 3, spellcheck: 'false', 'aria-describedby': describedBy });
      area.value = Array.isArray(value) ? value.filter((v) => typeof v === 'string').join('\n') : '';
      input = area;
      read = () => {
        const items = area.value.split('\n').map((line) => line.trim()).filter((line) => line !== '');
        return items.length === 0 && value === undefined && !required ? { omit: true } : { value: items };
      };
      wrapper.append(label, h('p', { class: 'help' }, 'One per line.'), area);
    } else {
      // Shapes a form cannot express well (arrays of objects, oneOf, maps): edited as JSON.
      const area = h('textarea', { id, rows: 4, spellcheck: 'false', class: 'json', 'aria-describedby': describedBy });
      area.value = value === undefined ? '' : JSON.stringify(value, null, 2);
      input = area;
      read = () => {
        if (area.value.trim() === '') return { omit: true };
        try {
          return { value: JSON.parse(area.value) as unknown };
        } catch (error) {
          return { problem: `This is not valid JSON: ${messageOf(error)}` };
        }
      };
      wrapper.append(label, h('p', { class: 'help' }, 'As JSON.'), area);
    }
    if (help) wrapper.append(help);
    wrapper.append(problem);
    container.append(wrapper);
    this.fields.push({ pointer, input, problem, read });
    return read;
  }

  #object(container: HTMLElement, key: string, schema: JsonSchema, value: unknown, pointer: string, required: boolean): () => Reading {
    const properties = schema.properties as Record<string, unknown>;
    const requiredKeys = Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === 'string') : [];
    const current = isObject(value) ? value : {};
    const target = pointer === '' ? container : h('fieldset', { 'data-pointer': pointer }, h('legend', {}, `${typeof schema.title === 'string' ? schema.title : key}${required ? ' (required)' : ''}`));
    if (pointer !== '' && typeof schema.description === 'string') target.append(h('p', { class: 'help' }, schema.description));
    const readers = Object.entries(properties).map(([name, sub]) => {
      const read = this.add(target, name, isObject(sub) ? sub : {}, current[name], `${pointer}/${escapePointer(name)}`, requiredKeys.includes(name));
      return [name, read] as const;
    });
    if (target !== container) container.append(target);
    return () => {
      // Keys the schema does not describe are kept as they were.
      const result: Record<string, unknown> = Object.fromEntries(Object.entries(current).filter(([k]) => !Object.hasOwn(properties, k)));
      for (const [name, read] of readers) {
        const reading = read();
        if ('value' in reading) result[name] = reading.value;
        else if ('problem' in reading) return reading;
      }
      return Object.keys(result).length === 0 && !required && pointer !== '' && value === undefined ? { omit: true } : { value: result };
    };
  }
}

/** The config form; `save` gets a config that passed the browser's checks. */
export function configForm(options: ConfigFormOptions): HTMLFormElement {
  const summary = h('ul', { class: 'problems', role: 'alert', hidden: true });
  const form = h('form', { class: 'config', 'aria-label': options.label, novalidate: true }, h('h4', {}, 'Config'), summary);
  const builder = new FieldBuilder();
  const schema = isObject(options.schema) ? options.schema : {};
  const root = typeOf(schema) === 'object' && isObject(schema.properties) ? schema : { type: 'object', properties: {}, additionalProperties: true };
  // Without a schema (or with properties it does not name) the whole config is JSON.
  const readRoot = isObject(root.properties) && Object.keys(root.properties).length > 0 ? builder.add(form, 'config', root, options.config, '', true) : builder.add(form, 'Config (JSON)', { type: 'object' }, options.config, '', true);
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save config');
  const cancel = h('button', { type: 'button' }, 'Cancel');
  form.append(h('div', { class: 'actions' }, save, cancel));
  cancel.addEventListener('click', () => options.cancel());

  // A problem belongs to the deepest field at or above where it is (an array item's, to the array's).
  const fieldOf = (pointer: string): Field | undefined =>
    builder.fields.filter((f) => pointer === f.pointer || pointer.startsWith(`${f.pointer}/`)).sort((a, b) => b.pointer.length - a.pointer.length)[0];
  const show = (problems: ConfigProblem[]): void => {
    for (const field of builder.fields) {
      const mine = problems.filter((p) => fieldOf(p.pointer) === field);
      field.problem.hidden = mine.length === 0;
      field.problem.textContent = mine.map((p) => p.message).join(' ');
      if (mine.length > 0) field.input.setAttribute('aria-invalid', 'true');
      else field.input.removeAttribute('aria-invalid');
    }
    summary.hidden = problems.length === 0;
    summary.replaceChildren(
      ...(problems.length > 0 ? [h('li', {}, problems.length === 1 ? 'The config has a problem:' : `The config has ${problems.length} problems:`)] : []),
      ...problems.map((p) => h('li', {}, `${p.pointer === '' ? '' : `${p.pointer}: `}${p.message}`)),
    );
  };

  const readProblems = (): ConfigProblem[] => builder.fields.flatMap((f) => {
    const reading = f.read();
    return 'problem' in reading ? [{ pointer: f.pointer, message: reading.problem }] : [];
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const own = readProblems();
    if (own.length > 0) return show(own);
    const reading = readRoot();
    const config = 'value' in reading && isObject(reading.value) ? reading.value : {};
    const problems = checkConfig(options.schema, config);
    show(problems);
    if (problems.length > 0) return;
    save.disabled = true;
    options
      .save(config)
      .catch((error: unknown) => show([{ pointer: '', message: `The server refused it: ${messageOf(error)}` }]))
      .finally(() => (save.disabled = false));
  });
  return form;
}
