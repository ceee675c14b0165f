/**
 * How guessable a secret is, in bits: the cheapest way to describe it as a sequence of pieces, each
 * costed by how many guesses an attacker who knows the trick would need (the idea behind zxcvbn, in
 * a few rules). A random piece costs log2(alphabet) bits a character; these cost far less:
 *
 *   a common word or password ("password", "changeme", "secret"), also in l33t or Capitalised
 *   a run along the alphabet or digits ("abcdef", "0123456789", "9876")
 *   a run along a keyboard row ("qwerty", "asdfgh", "!@#$%")
 *   a piece repeated back to back ("ab" × 24, "changeme" × 5)
 *   a piece that already occurred earlier in the secret ("password…password")
 *
 * `openssl rand -hex 32` scores about 256 bits, `openssl rand -base64 32` about 280;
 * "password1234567890password123456" about 30, whatever its length and its distinct characters.
 */

/** Common passwords and the words people put in secrets. Compared in lower case, after undoing l33t. */
const WORDS = [
  "password",
  "passw0rd",
  "passwd",
  "pass",
  "secret",
  "secrets",
  "admin",
  "administrator",
  "root",
  "login",
  "letmein",
  "welcome",
  "changeme",
  "change",
  "default",
  "qwerty",
  "azerty",
  "monkey",
  "dragon",
  "master",
  "shadow",
  "sunshine",
  "princess",
  "football",
  "baseball",
  "soccer",
  "hockey",
  "superman",
  "batman",
  "trustno",
  "iloveyou",
  "love",
  "hello",
  "freedom",
  "whatever",
  "mustang",
  "michael",
  "charlie",
  "jordan",
  "jennifer",
  "hunter",
  "ranger",
  "buster",
  "thomas",
  "robert",
  "test",
  "testing",
  "example",
  "sample",
  "demo",
  "token",
  "jwt",
  "key",
  "keys",
  "sign",
  "signing",
  "cookie",
  "session",
  "auth",
  "token",
  "access",
  "private",
  "public",
  "production",
  "prod",
  "staging",
  "development",
  "dev",
  "local",
  "localhost",
  "server",
  "service",
  "app",
  "application",
  "rose",
  "please",
  "replace",
  "this",
  "that",
  "with",
  "your",
  "mine",
  "here",
  "there",
  "the",
  "and",
  "for",
  "not",
  "very",
  "super",
  "long",
  "strong",
  "random",
  "string",
  "value",
  "must",
  "should",
  "some",
  "something",
  "anything",
  "nothing",
  "everything",
  "my",
  "our",
  "new",
  "old",
  "real",
  "safe",
  "secure",
  "security",
  "insecure",
  "guess",
  "abc",
  "xyz",
  "foo",
  "bar",
  "baz",
  "qux",
  "foobar",
  "lorem",
  "ipsum",
  "dolor",
  "sit",
  "amet",
  "one",
  "two",
  "three",
  "four",
  "five",
  "six",
  "seven",
  "eight",
  "nine",
  "ten",
  "zero",
  "hundred",
  "thousand",
  "million",
  "monday",
  "sunday",
  "january",
  "december",
  "summer",
  "winter",
  "spring",
  "autumn",
];
const DICTIONARY = new Set(WORDS);
const LONGEST_WORD = Math.max(...WORDS.map((w) => w.length));
const WORD_BITS = Math.log2(DICTIONARY.size);

const L33T: Record<string, string> = { "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", $: "s", "!": "i", "|": "l", "+": "t" };

const KEYBOARD_ROWS = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "!@#$%^&*()", "azertyuiop", "qsdfghjklm", "wxcvbn"];
const KEYBOARD_BITS = Math.log2(KEYBOARD_ROWS.length * 10 * 2);

/** Secrets are judged on their first characters: past this, the score is already far beyond any threshold. */
const ANALYSED_CHARS = 256;

function alphabetSize(secret: string): number {
  if (/^[0-9a-f]+$/.test(secret) || /^[0-9A-F]+$/.test(secret)) return 16;
  let size = 0;
  if (/[a-z]/.test(secret)) size += 26;
  if (/[A-Z]/.test(secret)) size += 26;
  if (/[0-9]/.test(secret)) size += 10;
  if (/[^a-zA-Z0-9]/.test(secret)) size += 33;
  return Math.max(size, 2);
}

function classOf(ch: string): { size: number; obvious: string } | null {
  if (/[a-z]/.test(ch)) return { size: 26, obvious: "az" };
  if (/[A-Z]/.test(ch)) return { size: 26, obvious: "AZ" };
  if (/[0-9]/.test(ch)) return { size: 10, obvious: "019" };
  return null;
}

/** The longest run starting at `i` whose characters step by +1 or -1 within one class (letters, digits). */
function sequenceAt(s: string, i: number): { length: number; bits: number } | null {
  const cls = classOf(s[i]!);
  if (!cls || i + 2 >= s.length) return null;
  const step = s.charCodeAt(i + 1) - s.charCodeAt(i);
  if (step !== 1 && step !== -1) return null;
  let end = i + 1;
  while (end < s.length && s.charCodeAt(end) - s.charCodeAt(end - 1) === step && classOf(s[end]!)?.size === cls.size) end++;
  const length = end - i;
  if (length < 3) return null;
  const start = cls.obvious.includes(s[i]!) ? 4 : cls.size;
  return { length, bits: Math.log2(start) + 1 + Math.log2(length) };
}

/** The longest run starting at `i` along a keyboard row, forwards or backwards (case-insensitive). */
function keyboardRunAt(s: string, i: number): number {
  const lower = s.toLowerCase();
  let best = 0;
  for (const row of KEYBOARD_ROWS) {
    for (const line of [row, [...row].reverse().join("")]) {
      const start = line.indexOf(lower[i]!);
      if (start < 0) continue;
      let length = 0;
      while (i + length < s.length && line[start + length] === lower[i + length]) length++;
      best = Math.max(best, length);
    }
  }
  return best >= 4 ? best : 0;
}

function unl33t(text: string): string {
  return [...text].map((ch) => L33T[ch] ?? ch).join("");
}

/** Estimated bits of randomness in `secret` (see the module comment). */
export function estimateSecretBits(secret: string): number {
  return bitsOf(secret.slice(0, ANALYSED_CHARS), new Map());
}

function bitsOf(s: string, memo: Map<string, number>): number {
  const known = memo.get(s);
  if (known !== undefined) return known;
  const n = s.length;
  const perChar = Math.log2(alphabetSize(s));
  const best = new Array<number>(n + 1).fill(Number.POSITIVE_INFINITY);
  best[0] = 0;
  const relax = (from: number, length: number, bits: number) => {
    if (best[from]! + bits < best[from + length]!) best[from + length] = best[from]! + bits;
  };

  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(best[i]!)) continue;
    relax(i, 1, perChar); // one random character

    for (let length = 3; length <= Math.min(LONGEST_WORD, n - i); length++) {
      const piece = s.slice(i, i + length);
      const lower = piece.toLowerCase();
      const plain = unl33t(lower);
      if (DICTIONARY.has(lower) || DICTIONARY.has(plain)) {
        const capitalised = piece !== lower ? 1 : 0;
        const substituted = plain !== lower && !DICTIONARY.has(lower) ? 1 : 0;
        relax(i, length, WORD_BITS + capitalised + substituted);
      }
    }

    const sequence = sequenceAt(s, i);
    if (sequence) for (let length = 3; length <= sequence.length; length++) relax(i, length, sequence.bits);
    const keyboard = keyboardRunAt(s, i);
    for (let length = 4; length <= keyboard; length++) relax(i, length, KEYBOARD_BITS + Math.log2(length));

    // A piece repeated back to back: the piece once, then how many times.
    for (let unit = 1; i + 2 * unit <= n; unit++) {
      const base = s.slice(i, i + unit);
      let times = 1;
      while (s.startsWith(base, i + times * unit)) times++;
      if (times >= 2) {
        const baseBits = unit === 1 ? perChar : bitsOf(base, memo);
        for (let k = 2; k <= times; k++) relax(i, k * unit, baseBits + Math.log2(k));
      }
    }

    // A piece that already occurred earlier: where it was, and how long.
    if (i >= 4) {
      const before = s.slice(0, i);
      for (let length = 4; i + length <= n && length <= i; length++) {
        if (!before.includes(s.slice(i, i + length))) break;
        relax(i, length, Math.log2(i) + Math.log2(length));
      }
    }
  }
  const bits = best[n]!;
  memo.set(s, bits);
  return bits;
}
