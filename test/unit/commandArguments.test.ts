// readArguments: an interaction's options read by the command's own `as const` definition, into the
// object its handler is typed with (ArgumentsOf), for the commands the bot registers.
import { ApplicationCommandOptionType as T, type ChatInputCommandInteraction, type CommandInteractionOption } from 'discord.js';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { chooseSubcommand, readArguments, type ArgumentsOf } from '../../commands/arguments.js';
import { GalleryCommand } from '../../commands/gallery.js';
import { HistoryCommand } from '../../commands/history.js';
import { ImagineCommand } from '../../commands/imagine.js';
import { AdminCommand } from '../../commands/imagineAdmin/definition.js';

const interaction = (data: CommandInteractionOption[]) => ({ options: { data } }) as unknown as ChatInputCommandInteraction;
const path = (names: string[], options: CommandInteractionOption[]): CommandInteractionOption[] =>
  names.reduceRight<CommandInteractionOption[]>(
    (inner, name, index) => [{ name, type: index === names.length - 1 ? T.Subcommand : T.SubcommandGroup, options: inner }],
    options,
  );

describe('readArguments', () => {
  it('/imagine: required and optional leaves, attachments as their resolved object', () => {
    const attachment = { id: '9', url: 'https://cdn.discordapp.com/a.png' };
    const args = readArguments(
      ImagineCommand,
      interaction([
        { name: 'prompt', type: T.String, value: 'a fox --ar 16:9' },
        { name: 'seed', type: T.Integer, value: 42 },
        { name: 'image2', type: T.Attachment, value: '9', attachment: attachment as never },
      ]),
    );
    expect(args).toEqual({ prompt: 'a fox --ar 16:9', seed: 42, image2: attachment });
    expectTypeOf(args.prompt).toEqualTypeOf<string>();
    expectTypeOf(args.model).toEqualTypeOf<string | undefined>();
    expectTypeOf(args.count).toEqualTypeOf<number | undefined>();
  });

  it('/history: a user option is its id; an empty id counts as absent', () => {
    expect(readArguments(HistoryCommand, interaction([{ name: 'member', type: T.User, value: '123' }]))).toEqual({ member: '123' });
    expect(readArguments(HistoryCommand, interaction([{ name: 'member', type: T.User, value: '' }]))).toEqual({});
  });

  it('/imagine-admin: the chosen group and subcommand as nested objects, typed from the definition', () => {
    const args = readArguments(
      AdminCommand,
      interaction(path(['quota', 'role'], [{ name: 'role', type: T.Role, value: '987654321098765432' }, { name: 'clear', type: T.Boolean, value: true }])),
    );
    expect(args).toEqual({ quota: { role: { role: '987654321098765432', clear: true } } });
    expectTypeOf(args.quota).toEqualTypeOf<
      | { set: { images?: number }; role?: never }
      | { role: { role: string; images?: number; clear?: boolean }; set?: never }
      | undefined
    >();
    expect(readArguments(AdminCommand, interaction(path(['show'], [])))).toEqual({ show: {} });
  });

  it('a value outside the definition’s choices counts as absent; a missing required option throws', () => {
    expect(readArguments(AdminCommand, interaction(path(['usage'], [{ name: 'period', type: T.String, value: 'year' }])))).toEqual({ usage: {} });
    expectTypeOf<ArgumentsOf<typeof GalleryCommand>['top']>().toEqualTypeOf<{ period?: 'week' | 'month' | 'all' } | undefined>();
    expect(() => readArguments(AdminCommand, interaction(path(['cooldown', 'set'], [])))).toThrow(/seconds/);
    expect(() => readArguments(ImagineCommand, interaction([{ name: 'prompt', type: T.Integer, value: 3 }]))).toThrow(/prompt/);
  });

  it('chooseSubcommand follows the arguments to the handler, and finds none for a subcommand it does not know', async () => {
    const seen: unknown[] = [];
    const handlers = {
      top: async (call: string, args: object) => void seen.push(['top', call, args]),
      settings: { show: async (call: string) => void seen.push(['show', call]) },
    };
    await chooseSubcommand(handlers, readArguments(GalleryCommand, interaction(path(['settings', 'show'], []))))?.run('call');
    await chooseSubcommand(handlers, readArguments(GalleryCommand, interaction(path(['top'], [{ name: 'period', type: T.String, value: 'all' }]))))?.run('call');
    expect(seen).toEqual([['show', 'call'], ['top', 'call', { period: 'all' }]]);
    expect(chooseSubcommand(handlers, readArguments(GalleryCommand, interaction(path(['settings', 'rename'], []))))).toBeUndefined();
  });
});
