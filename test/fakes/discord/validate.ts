// Discord's documented limits on message and command payloads, enforced so that a bot which would be
// refused by Discord is refused here too (50035 Invalid Form Body with the offending path).
import { formError } from './http.js';

const IS_COMPONENTS_V2 = 1 << 15;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function maxLength(path: string, value: unknown, max: number): void {
  if (typeof value === 'string' && [...value].length > max) {
    throw formError(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
  }
}

function maxItems(path: string, value: unknown, max: number): void {
  if (Array.isArray(value) && value.length > max) {
    throw formError(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
  }
}

function validateEmbeds(embeds: unknown): void {
  if (embeds === undefined || embeds === null) return;
  if (!Array.isArray(embeds)) throw formError('embeds', 'LIST_TYPE_CONVERT', 'Must be an array.');
  maxItems('embeds', embeds, 10);
  let total = 0;
  embeds.forEach((embed: unknown, i) => {
    if (!isObj(embed)) return;
    const p = `embeds.${i}`;
    maxLength(`${p}.title`, embed.title, 256);
    maxLength(`${p}.description`, embed.description, 4096);
    maxItems(`${p}.fields`, embed.fields, 25);
    total += str(embed.title).length + str(embed.description).length;
    if (isObj(embed.footer)) {
      maxLength(`${p}.footer.text`, embed.footer.text, 2048);
      total += str(embed.footer.text).length;
    }
    if (isObj(embed.author)) {
      maxLength(`${p}.author.name`, embed.author.name, 256);
      total += str(embed.author.name).length;
    }
    if (Array.isArray(embed.fields)) {
      embed.fields.forEach((field: unknown, j) => {
        if (!isObj(field)) return;
        maxLength(`${p}.fields.${j}.name`, field.name, 256);
        maxLength(`${p}.fields.${j}.value`, field.value, 1024);
        total += str(field.name).length + str(field.value).length;
      });
    }
  });
  if (total > 6000) throw formError('embeds', 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
}

function validateInteractive(path: string, c: Obj, customIds: Set<string>): void {
  if (c.type === 2 && c.style === 5) {
    if (typeof c.url !== 'string') throw formError(`${path}.url`, 'BASE_TYPE_REQUIRED', 'This field is required');
    return;
  }
  if (c.type === 2 && c.style === 6) return; // premium buttons carry a sku_id instead
  const id = c.custom_id;
  if (typeof id !== 'string' || id.length < 1) {
    throw formError(`${path}.custom_id`, 'BASE_TYPE_REQUIRED', 'This field is required');
  }
  maxLength(`${path}.custom_id`, id, 100);
  if (customIds.has(id)) {
    throw formError(`${path}.custom_id`, 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
  }
  customIds.add(id);
  if (c.type === 2) maxLength(`${path}.label`, c.label, 80);
  if (c.type === 3) validateStringSelect(path, c);
}

/**
 * A string select's documented limits (https://discord.com/developers/docs/components/reference#string-select):
 * 1..25 options; label, value and description at most 100 characters; placeholder at most 150;
 * min_values 0..25 and max_values 1..25.
 */
function validateStringSelect(path: string, c: Obj): void {
  const options = c.options;
  if (!Array.isArray(options) || options.length < 1) throw formError(`${path}.options`, 'BASE_TYPE_MIN_LENGTH', 'Must be 1 or more in length.');
  maxItems(`${path}.options`, options, 25);
  options.forEach((option: unknown, i) => {
    if (!isObj(option)) return;
    const p = `${path}.options.${i}`;
    for (const field of ['label', 'value'] as const) {
      if (typeof option[field] !== 'string' || str(option[field]).length < 1) throw formError(`${p}.${field}`, 'BASE_TYPE_REQUIRED', 'This field is required');
    }
    maxLength(`${p}.label`, option.label, 100);
    maxLength(`${p}.value`, option.value, 100);
    maxLength(`${p}.description`, option.description, 100);
  });
  maxLength(`${path}.placeholder`, c.placeholder, 150);
  if (typeof c.min_values === 'number' && (c.min_values < 0 || c.min_values > 25)) throw formError(`${path}.min_values`, 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 25.');
  if (typeof c.max_values === 'number' && (c.max_values < 1 || c.max_values > 25)) throw formError(`${path}.max_values`, 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 25.');
}

function validateComponents(components: unknown, flags: number): void {
  if (components === undefined || components === null) return;
  if (!Array.isArray(components)) throw formError('components', 'LIST_TYPE_CONVERT', 'Must be an array.');
  const customIds = new Set<string>();
  if (flags & IS_COMPONENTS_V2) {
    // Components V2 layouts nest arbitrarily; check ids everywhere and the 40-component total.
    let count = 0;
    const walk = (list: unknown[], path: string): void => {
      list.forEach((c, i) => {
        if (!isObj(c)) return;
        count++;
        const p = `${path}.${i}`;
        if (c.type === 2 || (typeof c.type === 'number' && [3, 5, 6, 7, 8].includes(c.type))) validateInteractive(p, c, customIds);
        if (Array.isArray(c.components)) walk(c.components, `${p}.components`);
        if (isObj(c.accessory)) walk([c.accessory], `${p}.accessory`);
      });
    };
    walk(components, 'components');
    if (count > 40) throw formError('components', 'BASE_TYPE_MAX_LENGTH', 'Must be 40 or fewer in length.');
    return;
  }
  maxItems('components', components, 5);
  components.forEach((row: unknown, i) => {
    if (!isObj(row) || row.type !== 1 || !Array.isArray(row.components)) {
      throw formError(`components.${i}`, 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (1,).');
    }
    const children = row.components as unknown[];
    if (children.length < 1) throw formError(`components.${i}.components`, 'BASE_TYPE_MIN_LENGTH', 'Must be 1 or more in length.');
    maxItems(`components.${i}.components`, children, 5);
    const hasSelect = children.some((c) => isObj(c) && c.type !== 2);
    if (hasSelect && children.length > 1) {
      throw formError(`components.${i}.components`, 'BASE_TYPE_MAX_LENGTH', 'Must be 1 or fewer in length.');
    }
    children.forEach((c, j) => {
      if (isObj(c)) validateInteractive(`components.${i}.components.${j}`, c, customIds);
    });
  });
}

/** Checks a message create/edit body; `flags` is the message's resulting flags. */
export function validateMessagePayload(payload: Obj, flags: number): void {
  if (payload.content !== undefined && payload.content !== null && typeof payload.content !== 'string') {
    throw formError('content', 'BASE_TYPE_STRING', 'Must be a string.');
  }
  if (flags & IS_COMPONENTS_V2) {
    if (str(payload.content) || (Array.isArray(payload.embeds) && payload.embeds.length)) {
      throw formError('content', 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2', 'The \'content\' and \'embeds\' fields cannot be used when using MessageFlags.IS_COMPONENTS_V2');
    }
  }
  maxLength('content', payload.content, 2000);
  validateEmbeds(payload.embeds);
  validateComponents(payload.components, flags);
}

export function validateAutocompleteChoices(data: unknown): void {
  const choices = isObj(data) ? data.choices : undefined;
  if (!Array.isArray(choices)) throw formError('data.choices', 'BASE_TYPE_REQUIRED', 'This field is required');
  maxItems('data.choices', choices, 25);
  choices.forEach((choice: unknown, i) => {
    if (!isObj(choice)) return;
    if (typeof choice.name !== 'string' || choice.name.length < 1) {
      throw formError(`data.choices.${i}.name`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    }
    maxLength(`data.choices.${i}.name`, choice.name, 100);
    maxLength(`data.choices.${i}.value`, choice.value, 100);
  });
}

export function validateModal(data: unknown): void {
  if (!isObj(data)) throw formError('data', 'BASE_TYPE_REQUIRED', 'This field is required');
  if (typeof data.custom_id !== 'string' || data.custom_id.length < 1) {
    throw formError('data.custom_id', 'BASE_TYPE_REQUIRED', 'This field is required');
  }
  maxLength('data.custom_id', data.custom_id, 100);
  if (typeof data.title !== 'string' || data.title.length < 1) {
    throw formError('data.title', 'BASE_TYPE_REQUIRED', 'This field is required');
  }
  maxLength('data.title', data.title, 45);
  if (!Array.isArray(data.components) || data.components.length < 1) {
    throw formError('data.components', 'BASE_TYPE_MIN_LENGTH', 'Must be 1 or more in length.');
  }
  maxItems('data.components', data.components, 5);
}

// Command names: lower-case letters (any script), digits, '-' and '_', 1..32 characters.
const COMMAND_NAME = /^[-_'\p{Ll}\p{Lo}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

function validateOptions(path: string, options: unknown): void {
  if (options === undefined || options === null) return;
  if (!Array.isArray(options)) throw formError(path, 'LIST_TYPE_CONVERT', 'Must be an array.');
  maxItems(path, options, 25);
  let sawOptional = false;
  const names = new Set<string>();
  options.forEach((o: unknown, i) => {
    if (!isObj(o)) return;
    const p = `${path}.${i}`;
    if (typeof o.name !== 'string' || !COMMAND_NAME.test(o.name)) {
      throw formError(`${p}.name`, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    }
    if (names.has(o.name)) throw formError(`${p}.name`, 'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS', 'Option name already exists');
    names.add(o.name);
    if (typeof o.description !== 'string' || o.description.length < 1) {
      throw formError(`${p}.description`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    }
    maxLength(`${p}.description`, o.description, 100);
    const isSub = o.type === 1 || o.type === 2;
    if (!isSub) {
      if (o.required === true && sawOptional) {
        throw formError(p, 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID', 'Required options must be placed before non-required options');
      }
      if (o.required !== true) sawOptional = true;
    }
    if (o.autocomplete === true && Array.isArray(o.choices) && o.choices.length) {
      throw formError(`${p}.autocomplete`, 'APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_WITH_CHOICES', 'Autocomplete cannot be enabled on options with choices');
    }
    maxItems(`${p}.choices`, o.choices, 25);
    if (Array.isArray(o.choices)) {
      o.choices.forEach((c: unknown, j) => {
        if (!isObj(c)) return;
        maxLength(`${p}.choices.${j}.name`, c.name, 100);
        maxLength(`${p}.choices.${j}.value`, c.value, 100);
      });
    }
    if (typeof o.max_length === 'number' && o.max_length > 6000) {
      throw formError(`${p}.max_length`, 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 6000.');
    }
    if (isSub) validateOptions(`${p}.options`, o.options);
  });
}

export function validateCommand(command: unknown, index: number): void {
  const p = String(index);
  if (!isObj(command)) throw formError(p, 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
  const type = command.type ?? 1;
  const name = command.name;
  if (typeof name !== 'string' || name.length < 1 || name.length > 32) {
    throw formError(`${p}.name`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 32 in length.');
  }
  if (type === 1) {
    if (!COMMAND_NAME.test(name)) throw formError(`${p}.name`, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    if (typeof command.description !== 'string' || command.description.length < 1) {
      throw formError(`${p}.description`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    }
    maxLength(`${p}.description`, command.description, 100);
    validateOptions(`${p}.options`, command.options);
  }
}
