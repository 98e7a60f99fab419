// Component trees as Discord clients see them: finding a clickable button on a message, and the
// values a user submits for a modal the bot showed.
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function children(component: Obj): Obj[] {
  const list: Obj[] = [];
  if (Array.isArray(component.components)) list.push(...component.components.filter(isObj));
  if (isObj(component.accessory)) list.push(component.accessory);
  if (isObj(component.component)) list.push(component.component);
  return list;
}

export function findComponent(components: unknown[], customId: string): Obj | undefined {
  for (const c of components.filter(isObj)) {
    if (c.custom_id === customId) return c;
    const inner = findComponent(children(c), customId);
    if (inner) return inner;
  }
  return undefined;
}

export function collectCustomIds(components: unknown[]): string[] {
  return components.filter(isObj).flatMap((c) => [...(typeof c.custom_id === 'string' ? [c.custom_id] : []), ...collectCustomIds(children(c))]);
}

/** What the Discord client submits for a modal: each input's custom_id with the user's value. */
export function fillModal(modalComponents: unknown[], values: Record<string, string>): Obj[] {
  const known = new Set<string>();
  const fill = (c: Obj): Obj => {
    const customId = String(c.custom_id);
    known.add(customId);
    const given = values[customId];
    if (c.type === 4) {
      const value = given ?? (typeof c.value === 'string' ? c.value : '');
      // The Discord client enforces these before it lets the user submit.
      if (c.required !== false && value === '') throw new Error(`Discord fake: modal input "${customId}" is required`);
      if (typeof c.min_length === 'number' && value !== '' && value.length < c.min_length) {
        throw new Error(`Discord fake: modal input "${customId}" needs at least ${c.min_length} characters`);
      }
      if (typeof c.max_length === 'number' && value.length > c.max_length) {
        throw new Error(`Discord fake: modal input "${customId}" allows at most ${c.max_length} characters`);
      }
      return { type: 4, ...(c.id === undefined ? {} : { id: c.id }), custom_id: customId, value };
    }
    // Selects inside labels submit `values`; the test passes them comma-separated.
    return { type: c.type, ...(c.id === undefined ? {} : { id: c.id }), custom_id: customId, values: given ? given.split(',') : [] };
  };
  const result = modalComponents.filter(isObj).map((top): Obj => {
    if (top.type === 1 && Array.isArray(top.components)) {
      return { type: 1, ...(top.id === undefined ? {} : { id: top.id }), components: top.components.filter(isObj).map(fill) };
    }
    if (top.type === 18 && isObj(top.component)) {
      return { type: 18, ...(top.id === undefined ? {} : { id: top.id }), component: fill(top.component) };
    }
    return { type: top.type, ...(top.id === undefined ? {} : { id: top.id }) };
  });
  const unknown = Object.keys(values).filter((k) => !known.has(k));
  if (unknown.length) throw new Error(`Discord fake: the modal has no inputs named ${unknown.join(', ')}`);
  return result;
}
