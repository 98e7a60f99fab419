// Slash-command options typed from their definitions (the shape of discord-utils-bot's
// argumentsOf.ts): a command is `as const` data, `ArgumentsOf<typeof Command>` is what its handler
// receives, and `readArguments` is the one reader that builds that object from an interaction by
// walking the same data. What depends on the configuration (the model choices, a description that
// names the default model) is not in the data: `commandJSON` spreads it in at registration.
import {
  ApplicationCommandOptionType as OptionType,
  type Attachment,
  type ChatInputCommandInteraction,
  type CommandInteractionOption,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  type Snowflake,
} from 'discord.js';

/** What the arguments are derived from: the option's type, name, required flag, choices and children. */
export interface OptionData {
  readonly type: OptionType;
  readonly name: string;
  readonly required?: boolean;
  readonly choices?: readonly { readonly value: string | number }[];
  readonly options?: readonly OptionData[];
}

export interface CommandData {
  readonly name: string;
  readonly options?: readonly OptionData[];
}

type Branch = OptionType.Subcommand | OptionType.SubcommandGroup;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** One option's value: its choices' values when it has any; users, channels and roles as their ids. */
type ValueOf<O> = O extends { choices: readonly { value: infer V }[] }
  ? V
  : O extends { type: OptionType.String }
    ? string
    : O extends { type: OptionType.Integer | OptionType.Number }
      ? number
      : O extends { type: OptionType.Boolean }
        ? boolean
        : O extends { type: OptionType.Attachment }
          ? Attachment
          : O extends { type: OptionType.User | OptionType.Channel | OptionType.Role | OptionType.Mentionable }
            ? Snowflake
            : never;

/** Leaf options: required ones always present, the others optional. */
type Leaves<O extends OptionData> = Simplify<
  { [P in O as P extends { required: true } ? P['name'] : never]: ValueOf<P> } & {
    [P in O as P extends { required: true } ? never : P['name']]?: ValueOf<P>;
  }
>;

/** Subcommands (or groups): exactly one is present, keyed by its name; the others read as undefined. */
type Branches<O, All extends string> = O extends { name: infer N extends string }
  ? Simplify<{ [K in N]: ArgumentsOf<O> } & { [K in Exclude<All, N>]?: never }>
  : never;

type OptionsArguments<O extends OptionData> = [Extract<O, { type: Branch }>] extends [never] ? Leaves<O> : Branches<O, O['name']>;

/** The handler's arguments for a command, a subcommand group or a subcommand definition. */
export type ArgumentsOf<C> = C extends { options: readonly (infer O extends OptionData)[] } ? OptionsArguments<O> : Record<never, never>;

/**
 * A handler for each subcommand, nested under its group: the compiler checks that every subcommand
 * has one and that it takes that subcommand's arguments.
 */
export type SubcommandHandlers<C, Call> = C extends { options: readonly (infer O extends OptionData)[] }
  ? {
      [P in O as P['name']]: P extends { type: OptionType.SubcommandGroup }
        ? SubcommandHandlers<P, Call>
        : (call: Call, args: ArgumentsOf<P>) => Promise<void>;
    }
  : never;

/** Any SubcommandHandlers table, as chooseSubcommand walks it. */
export interface HandlerTree<Call> {
  readonly [name: string]: ((call: Call, args: never) => Promise<void>) | HandlerTree<Call>;
}

/** The chosen subcommand's handler, and the call that runs it with its arguments. */
export interface ChosenSubcommand<Call> {
  handler: (call: Call, args: never) => Promise<void>;
  run(call: Call): Promise<void>;
}

/**
 * Follows the arguments (group, then subcommand: the one key present at each level) to their
 * handler; undefined when the table has none for them.
 */
export function chooseSubcommand<Call>(handlers: HandlerTree<Call>, args: object): ChosenSubcommand<Call> | undefined {
  let table: HandlerTree<Call> = handlers;
  let level = args as Record<string, object>;
  for (;;) {
    const [name] = Object.keys(level);
    const next = name === undefined ? undefined : table[name];
    if (name === undefined || next === undefined) return undefined;
    const value = level[name]!;
    if (typeof next === 'function') {
      const handler = next as (call: Call, args: object) => Promise<void>;
      return { handler: next, run: (call) => handler(call, value) };
    }
    table = next;
    level = value as Record<string, object>;
  }
}

/**
 * Reads the interaction's options by the definition: each option by its name and type; the chosen
 * subcommand group and subcommand as nested objects. A user, channel, role or mentionable option is
 * its id (no resolved object needed), an attachment its resolved Attachment. A value the definition
 * does not list among the option's choices counts as absent. A missing required option, or one of
 * another type than declared, throws (as `getString(name, true)` does): Discord never sends them.
 */
export function readArguments<C extends CommandData>(command: C, interaction: ChatInputCommandInteraction): ArgumentsOf<C> {
  return readLevel(`/${command.name}`, command.options ?? [], interaction.options.data) as ArgumentsOf<C>;
}

function readLevel(path: string, defined: readonly OptionData[], given: readonly CommandInteractionOption[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const option of defined) {
    const found = given.find((candidate) => candidate.name === option.name);
    if (found && found.type !== option.type) throw new TypeError(`${path} ${option.name}: expected option type ${option.type}, got ${found.type}`);
    if (option.type === OptionType.Subcommand || option.type === OptionType.SubcommandGroup) {
      if (found) out[option.name] = readLevel(`${path} ${option.name}`, option.options ?? [], found.options ?? []);
      continue;
    }
    const value = found === undefined ? undefined : leafValue(option, found);
    if (value !== undefined) out[option.name] = value;
    else if (option.required) throw new TypeError(`${path}: the required option ${option.name} is missing`);
  }
  return out;
}

function leafValue(option: OptionData, found: CommandInteractionOption): unknown {
  const value = found.value;
  let read: unknown;
  switch (option.type) {
    case OptionType.String:
      read = typeof value === 'string' ? value : undefined;
      break;
    case OptionType.Integer:
    case OptionType.Number:
      read = typeof value === 'number' ? value : undefined;
      break;
    case OptionType.Boolean:
      read = typeof value === 'boolean' ? value : undefined;
      break;
    case OptionType.User:
    case OptionType.Channel:
    case OptionType.Role:
    case OptionType.Mentionable:
      read = typeof value === 'string' && value !== '' ? value : undefined;
      break;
    case OptionType.Attachment:
      read = found.attachment ?? undefined;
      break;
    default:
      read = undefined;
  }
  if (read !== undefined && option.choices && !option.choices.some((choice) => choice.value === read)) return undefined;
  return read;
}

/** Fields merged into the options of a given name (at any depth) at registration: choices, texts. */
export type ConfigFields<C> = Partial<Record<OptionNames<C>, object>>;

type OptionNames<C> = C extends { options: readonly (infer O extends OptionData)[] } ? O['name'] | OptionNames<O> : never;

/**
 * The REST JSON `npm run register` sends: the command's data, with `fields[name]` spread into every
 * option of that name (after its own keys, so the key order is the data's, then the added fields').
 */
export function commandJSON<C extends CommandData>(command: C, fields: ConfigFields<C> = {}): RESTPostAPIChatInputApplicationCommandsJSONBody {
  const extra = fields as Partial<Record<string, object>>;
  const withFields = (options: readonly OptionData[]): OptionData[] =>
    options.map((option) => {
      const added = extra[option.name];
      const children = option.options ? { options: withFields(option.options) } : {};
      return { ...option, ...children, ...added };
    });
  const json = command.options ? { ...command, options: withFields(command.options) } : { ...command };
  return json as unknown as RESTPostAPIChatInputApplicationCommandsJSONBody;
}
