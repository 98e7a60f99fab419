import { describe, expect, it } from 'vitest';
import { cleanEnhanced, describeMessages, enhanceMessages, parseDescribeAnswer } from '../../src/prompt/chatPrompts.js';
import { extractInlineParameters } from '../../src/prompt/inlineParameters.js';
import { withoutClause } from '../../src/prompt/negativePrompt.js';
import { expandShortcuts, validShortcutName } from '../../src/prompt/shortcuts.js';
import { applyStylePreset } from '../../src/prompt/stylePreset.js';
import { promptText } from '../../src/i18n/promptMessages.js';
import type { ChatMessage } from '../../src/providers/types.js';

const systemText = (messages: ChatMessage[]): string => {
  const system = messages.find((message) => message.role === 'system');
  return typeof system?.content === 'string' ? system.content : '';
};

describe('withoutClause', () => {
  it('adds an English "Without …" sentence with tidy punctuation', () => {
    expect(withoutClause('a quiet street at night', 'cars, trees')).toBe('a quiet street at night. Without cars, trees.');
    expect(withoutClause('A quiet street.', 'cars.')).toBe('A quiet street. Without cars.');
    expect(withoutClause('a quiet street, ', 'cars')).toBe('a quiet street. Without cars.');
    expect(withoutClause('Is it raining?', 'umbrellas')).toBe('Is it raining? Without umbrellas.');
  });

  it('writes the clause in Chinese for a mostly Chinese prompt', () => {
    expect(withoutClause('夜晚安静的街道', '汽车，行人')).toBe('夜晚安静的街道。画面中不要出现:汽车，行人。');
    expect(withoutClause('夜晚安静的街道。', '汽车')).toBe('夜晚安静的街道。画面中不要出现:汽车。');
    expect(withoutClause('一只猫, cyberpunk style', 'dogs')).toBe('一只猫, cyberpunk style。画面中不要出现:dogs。');
  });

  it('an English prompt with one Chinese word stays English; empty words change nothing', () => {
    expect(withoutClause('a bowl of 拉面 on a wooden table', 'chopsticks')).toBe('a bowl of 拉面 on a wooden table. Without chopsticks.');
    expect(withoutClause('a fox', '  ')).toBe('a fox');
  });

  it('works on what extractInlineParameters returns', () => {
    const parsed = extractInlineParameters('a street at night --no cars, trees');
    expect(withoutClause(parsed.prompt, parsed.found.negative ?? '')).toBe('a street at night. Without cars, trees.');
  });
});

describe('shortcuts', () => {
  it('validShortcutName: 1–32 of a-z 0-9 _ -, any case, not a built-in parameter', () => {
    for (const name of ['portrait', 'wide_16-9', 'P2', 'a', 'x'.repeat(32)]) expect(validShortcutName(name)).toBe(true);
    for (const name of ['', 'x'.repeat(33), 'my shortcut', 'café', '-dash', 'ar', 'AR', 'seed', 'no', 's', 'niji', 'enhance', 'raw', 'style']) {
      expect(validShortcutName(name)).toBe(false);
    }
  });

  const shortcuts = new Map([
    ['portrait', '--ar 2:3 --q high'],
    ['film', 'shot on 35mm film, grainy'],
    ['loop', 'again --portrait'],
    ['ar', '1:1'],
  ]);

  it('replaces --name by its value, case-insensitively, in every dash form', () => {
    expect(expandShortcuts('a woman in red --Portrait', shortcuts)).toEqual({ prompt: 'a woman in red --ar 2:3 --q high', expanded: ['--portrait'] });
    expect(expandShortcuts('a harbour —film, at dawn', shortcuts)).toEqual({ prompt: 'a harbour shot on 35mm film, grainy, at dawn', expanded: ['--film'] });
    expect(expandShortcuts('海边小镇——film', shortcuts).prompt).toBe('海边小镇shot on 35mm film, grainy');
  });

  it('the value’s parameters are then parsed like typed ones', () => {
    const parsed = extractInlineParameters(expandShortcuts('a woman in red --portrait', shortcuts).prompt);
    expect(parsed).toEqual({ prompt: 'a woman in red', found: { size: '2:3', quality: 'high' }, unknown: [], ignored: [] });
  });

  it('a shortcut named like a built-in parameter is never used', () => {
    expect(expandShortcuts('a fox --ar 16:9', shortcuts)).toEqual({ prompt: 'a fox --ar 16:9', expanded: [] });
  });

  it('expands one level only: a value holding another shortcut is left as written', () => {
    expect(expandShortcuts('a fox --loop', shortcuts)).toEqual({ prompt: 'a fox again --portrait', expanded: ['--loop'] });
  });

  it('leaves words, unknown names and partial names alone; lists each shortcut once', () => {
    expect(expandShortcuts('a portrait --portraits of film-noir', shortcuts)).toEqual({ prompt: 'a portrait --portraits of film-noir', expanded: [] });
    expect(expandShortcuts('--film a boat --film', shortcuts)).toEqual({
      prompt: 'shot on 35mm film, grainy a boat shot on 35mm film, grainy',
      expanded: ['--film'],
    });
    expect(expandShortcuts('a fox --film', new Map())).toEqual({ prompt: 'a fox --film', expanded: [] });
  });
});

describe('applyStylePreset', () => {
  it('joins prefix, prompt and suffix with ", " leaving out empty parts', () => {
    expect(applyStylePreset('a fox', { prefix: 'watercolour', suffix: 'soft light' })).toBe('watercolour, a fox, soft light');
    expect(applyStylePreset('a fox', { prefix: '', suffix: 'soft light' })).toBe('a fox, soft light');
    expect(applyStylePreset('a fox', { prefix: 'watercolour', suffix: '  ' })).toBe('watercolour, a fox');
    expect(applyStylePreset('', { prefix: 'watercolour', suffix: 'soft light' })).toBe('watercolour, soft light');
  });

  it('does not double commas or spaces the admin or member typed', () => {
    expect(applyStylePreset(' a fox. ', { prefix: 'watercolour, ', suffix: ', soft light.' })).toBe('watercolour, a fox, soft light.');
    expect(applyStylePreset('一只狐狸，', { prefix: '水彩画，', suffix: '，柔和光线' })).toBe('水彩画, 一只狐狸, 柔和光线');
  });
});

describe('enhanceMessages', () => {
  it('a system message with the rules, then the prompt as the user message', () => {
    const messages = enhanceMessages('a cat on a roof', { family: 'gpt-image', translateToEnglish: false, maxChars: 800 });
    expect(messages.map((message) => message.role)).toEqual(['system', 'user']);
    expect(messages[1]?.content).toBe('a cat on a roof');
    const system = systemText(messages);
    expect(system).toMatch(/ONE rewritten prompt/);
    expect(system).toMatch(/subject.*setting.*composition.*lighting.*style/);
    expect(system).toMatch(/language of the prompt/);
    expect(system).toMatch(/natural, descriptive sentences/);
    expect(system).toMatch(/no parameters such as --ar/);
    expect(system).toContain('At most 800 characters');
  });

  it('suits the family and the language rule', () => {
    const flux = systemText(enhanceMessages('一只猫', { family: 'flux', translateToEnglish: true, maxChars: 500 }));
    expect(flux).toMatch(/main subject first/);
    expect(flux).toMatch(/in English/);
    expect(flux).not.toMatch(/language of the prompt/);
    const kontext = systemText(enhanceMessages('make the sky red', { family: 'kontext', translateToEnglish: false, maxChars: 500 }));
    expect(kontext).toMatch(/stays an edit instruction/);
  });
});

describe('cleanEnhanced', () => {
  it('strips fences, quotes, labels and whitespace', () => {
    expect(cleanEnhanced('```\nA ginger cat on a moonlit roof\n```', 500)).toBe('A ginger cat on a moonlit roof');
    expect(cleanEnhanced('"A ginger cat on a moonlit roof."', 500)).toBe('A ginger cat on a moonlit roof.');
    expect(cleanEnhanced('Enhanced prompt: “A ginger cat on a moonlit roof”', 500)).toBe('A ginger cat on a moonlit roof');
    expect(cleanEnhanced('**Prompt:** A ginger cat,\n  moonlit roof  ', 500)).toBe('A ginger cat, moonlit roof');
    expect(cleanEnhanced('提示词:月光下屋顶上的一只橘猫', 500)).toBe('月光下屋顶上的一只橘猫');
  });

  it('cuts to maxChars on a sentence, else a word boundary', () => {
    const sentences = 'A ginger cat sits on a roof. The moon is full and bright. Chimneys stand against the sky.';
    expect(cleanEnhanced(sentences, 60)).toBe('A ginger cat sits on a roof. The moon is full and bright.');
    const words = 'a ginger cat sitting on a tiled roof under a full moon with chimneys and stars';
    const cut = cleanEnhanced(words, 40) as string;
    expect(cut.length).toBeLessThanOrEqual(40);
    expect(words.startsWith(cut)).toBe(true);
    expect(words[cut.length]).toBe(' ');
    expect(cleanEnhanced('月光下屋顶上的一只橘猫，远处有烟囱和星星', 12)).toBe('月光下屋顶上的一只橘猫');
  });

  it('nothing usable: empty, only wrapping, or a refusal', () => {
    expect(cleanEnhanced('', 500)).toBeUndefined();
    expect(cleanEnhanced('```\n""\n```', 500)).toBeUndefined();
    expect(cleanEnhanced("I'm sorry, but I can't help with that.", 500)).toBeUndefined();
    expect(cleanEnhanced('抱歉，我无法处理这个请求。', 500)).toBeUndefined();
  });
});

describe('describeMessages', () => {
  it('asks for four one-line prompts in the member’s language, with the image attached', () => {
    const url = 'data:image/png;base64,iVBORw0KGgo=';
    for (const [language, name] of [['en', 'English'], ['zh', 'Simplified Chinese']] as const) {
      const messages = describeMessages(url, { language });
      expect(messages.map((message) => message.role)).toEqual(['system', 'user']);
      const system = systemText(messages);
      expect(system).toContain('exactly four different prompts');
      expect(system).toContain(`in ${name}`);
      expect(system).toMatch(/numbered list/);
      expect(system).toContain('350 characters');
      const content = messages[1]?.content;
      expect(Array.isArray(content)).toBe(true);
      expect(content).toContainEqual({ type: 'image_url', image_url: { url } });
      expect((content as Array<{ type: string }>).some((part) => part.type === 'text')).toBe(true);
    }
  });
});

describe('parseDescribeAnswer', () => {
  it('reads a numbered list after an intro line', () => {
    const answer = 'Here are four prompts:\n\n1. A red fox in snow\n2. A fox at dawn, watercolour\n3. "A fox in a pine forest"\n4. A fox, close-up portrait';
    expect(parseDescribeAnswer(answer)).toEqual(['A red fox in snow', 'A fox at dawn, watercolour', 'A fox in a pine forest', 'A fox, close-up portrait']);
  });

  it('reads bold numbers and bold titles', () => {
    const answer = '**1.** A red fox in snow\n**2. Watercolour:** A fox at dawn\n3) **Forest** - A fox among pines\n4、Prompt: A fox portrait';
    expect(parseDescribeAnswer(answer)).toEqual(['A red fox in snow', 'A fox at dawn', 'A fox among pines', 'A fox portrait']);
  });

  it('reads Chinese lists and bullets, keeps at most four, drops duplicates', () => {
    expect(parseDescribeAnswer('以下是四条提示词：\n1、雪地里的红狐狸\n2、黎明时分的狐狸\n3、雪地里的红狐狸\n4、森林中的狐狸\n5、狐狸特写')).toEqual([
      '雪地里的红狐狸',
      '黎明时分的狐狸',
      '森林中的狐狸',
      '狐狸特写',
    ]);
    expect(parseDescribeAnswer('- a fox in snow\n- a fox at dawn')).toEqual(['a fox in snow', 'a fox at dawn']);
  });

  it('a line right under an item continues it; an outro after a blank line is dropped', () => {
    const answer = '1.\nA red fox in snow\n2. A fox at dawn,\nwatercolour\n\nLet me know if you want more!';
    expect(parseDescribeAnswer(answer)).toEqual(['A red fox in snow', 'A fox at dawn, watercolour']);
  });

  it('without a list: paragraphs, else lines, without the intro', () => {
    expect(parseDescribeAnswer('Here are the prompts:\n\nA red fox in snow.\n\nA fox at dawn.')).toEqual(['A red fox in snow.', 'A fox at dawn.']);
    expect(parseDescribeAnswer('A red fox in snow\nA fox at dawn\n\n')).toEqual(['A red fox in snow', 'A fox at dawn']);
    expect(parseDescribeAnswer('   ')).toEqual([]);
  });

  it('a prompt’s own numbers are not list markers', () => {
    expect(parseDescribeAnswer('1. 1.5x zoom on a clock at 10:30\n2. 3 cats')).toEqual(['1.5x zoom on a clock at 10:30', '3 cats']);
  });
});

describe('promptText', () => {
  it('every note in English and Chinese with its list', () => {
    const notes = [
      promptText.ignoredMidjourneyParameters({ list: '--v 6.1, --tile' }),
      promptText.negativeAsClause({ words: 'cars, trees' }),
      promptText.shortcutsExpanded({ list: '--portrait' }),
    ];
    for (const note of notes) {
      expect(note.en).not.toBe(note.zh);
      expect(note.zh).toMatch(/\p{Script=Han}/u);
    }
    expect(notes[0]?.en).toContain('--v 6.1, --tile');
    expect(notes[0]?.zh).toContain('--v 6.1, --tile');
    expect(notes[1]?.en).toContain('without cars, trees');
    expect(notes[1]?.zh).toContain('cars, trees');
    expect(notes[2]?.zh).toContain('--portrait');
  });
});
