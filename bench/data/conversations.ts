/**
 * Deterministic long conversations for the memory-quality benchmark: two friends talking over many dated
 * sessions (every turn starts with its speaker's name, as in public long-conversation benchmarks), with
 * relatives and pets introduced in one session and described in another, a home and a job that change,
 * dated activities, hobbies, and plenty of small talk that reuses the same words without answering anything.
 * Questions are labelled with the turns that answer them, in four kinds.
 */

export type QuestionKind = "single-hop" | "multi-hop" | "temporal" | "open-domain";

export interface Turn {
  speaker: string;
  text: string;
  /** ISO time the turn was said (its session's date plus a minute per turn). */
  at: string;
  /** The session (conversation) it belongs to, as a client importing it would name it. */
  session: number;
}

export interface Question {
  kind: QuestionKind;
  question: string;
  /** Indices into the conversation's turns that hold the answer (all of them for multi-hop). */
  evidence: number[];
  /** A finer label within the kind, printed as its own row ("2-hop relation", "a given day"). */
  tag?: string;
}

export interface Conversation {
  person: string;
  friend: string;
  turns: Turn[];
  questions: Question[];
}

/** A seeded LCG: every run generates the same conversations. */
function rng(seed: number) {
  let state = seed >>> 0 || 1;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x100000000;
  };
  return {
    int: (n: number) => Math.floor(next() * n),
    pick<T>(items: readonly T[]): T {
      return items[Math.floor(next() * items.length)]!;
    },
    shuffle<T>(items: readonly T[]): T[] {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [copy[i], copy[j]] = [copy[j]!, copy[i]!];
      }
      return copy;
    },
  };
}
type Rng = ReturnType<typeof rng>;

const FIRST_NAMES = [
  "Caroline", "Melanie", "Jon", "Gina", "Tomas", "Aisha", "Deborah", "Jolene", "Evan", "Sam", "Priya", "Mateo", "Hannah", "Kofi", "Lena", "Andrew", "Yuki", "Nate",
  "Joanna", "Oscar", "Fatima", "Liam", "Maria", "Dev", "Grace", "Rafael", "Ines", "Malik", "Sofia", "Ben", "Chloe", "Omar", "Nina", "Victor", "Zara", "Hugo",
];
const RELATIVE_NAMES = ["Marguerite", "Rosa", "Daniel", "Elif", "Martin", "Keiko", "Luis", "Amara", "Felix", "Irene", "Tariq", "Beatriz", "Colm", "Noor", "Pavel", "Odile"];
const RELATIONS = ["sister", "brother", "mom", "dad", "cousin", "aunt", "uncle", "grandma", "best friend", "neighbor"] as const;
const RELATIVE_JOBS: Array<{ job: string; detail: string; ask: string }> = [
  { job: "teaches piano at the conservatory", detail: "has twelve students now", ask: "What instrument does {P}'s {R} teach?" },
  { job: "works night shifts as a nurse in the children's ward", detail: "is exhausted most mornings", ask: "Where does {P}'s {R} work?" },
  { job: "runs a small bakery downtown", detail: "gets up at four to bake sourdough", ask: "What kind of business does {P}'s {R} run?" },
  { job: "coaches the local under-twelve soccer team", detail: "won the regional cup last season", ask: "What sport does {P}'s {R} coach?" },
  { job: "repairs old clocks in a tiny workshop", detail: "fixed a clock from 1890 last month", ask: "What does {P}'s {R} repair?" },
  { job: "is a firefighter at the station near the harbor", detail: "just finished a rescue course", ask: "What is the job of {P}'s {R}?" },
  { job: "writes crime novels under a pen name", detail: "finished her fourth manuscript", ask: "What kind of books does {P}'s {R} write?" },
  { job: "builds furniture out of reclaimed wood", detail: "sold a dining table to a restaurant", ask: "What does {P}'s {R} build?" },
];
const PETS: Array<{ kind: string; names: string[]; event: string; ask: string }> = [
  { kind: "dog", names: ["Biscuit", "Pepper", "Luna", "Max"], event: "ate a whole bar of chocolate and we spent the night at the vet", ask: "What happened to {P}'s dog that required a vet visit?" },
  { kind: "cat", names: ["Miso", "Oliver", "Nala", "Ziggy"], event: "got stuck on the roof for two hours until the neighbors helped", ask: "Where did {P}'s cat get stuck?" },
  { kind: "parrot", names: ["Kiwi", "Mango", "Rio"], event: "learned to whistle the opening of a Beatles song", ask: "What did {P}'s parrot learn to do?" },
  { kind: "rabbit", names: ["Clover", "Thumper", "Hazel"], event: "chewed through the charger cable of my laptop", ask: "What did {P}'s rabbit chew through?" },
];
const CITIES = ["Porto", "Lisbon", "Boston", "Denver", "Dublin", "Toronto", "Seattle", "Austin", "Lyon", "Melbourne", "Glasgow", "Valencia"];
const JOBS = [
  "barista at a coffee shop", "graphic designer at an agency", "high school chemistry teacher", "software developer", "veterinary assistant", "social worker",
  "electrician", "dental hygienist", "museum guide", "accountant at a law firm", "physical therapist", "photographer for weddings",
];
/** Activities with what was said about them; the question uses a different form of the key words, as people do. */
const ACTIVITIES: Array<{ said: string; ask: string }> = [
  { said: "I went to a pottery workshop {WHEN} and made a lopsided bowl", ask: "When did {P} go to the pottery workshop?" },
  { said: "I ran my first 10k race {WHEN}, finished in under an hour", ask: "When did {P} run a 10k race?" },
  { said: "I went to an LGBTQ support group {WHEN}, it was so powerful", ask: "When did {P} attend the LGBTQ support group?" },
  { said: "we had a picnic by the river {WHEN} with the whole family", ask: "When did {P} have a picnic by the river?" },
  { said: "I volunteered at the animal shelter {WHEN}, walking the older dogs", ask: "When did {P} volunteer at the animal shelter?" },
  { said: "I finally signed up for salsa classes {WHEN}", ask: "When did {P} sign up for salsa classes?" },
  { said: "I gave a talk at the school career day {WHEN}", ask: "When did {P} give a talk at a school career day?" },
  { said: "we went camping near the lake {WHEN} and saw so many stars", ask: "When did {P} go camping near the lake?" },
  { said: "I got a tattoo of a sunflower {WHEN}", ask: "When did {P} get a sunflower tattoo?" },
  { said: "I went to a charity bake sale {WHEN} and sold all my lemon bars", ask: "When did {P} sell lemon bars at a charity bake sale?" },
  { said: "I saw a jazz concert in the park {WHEN}", ask: "When did {P} see a jazz concert?" },
  { said: "I took my driving test {WHEN} and passed", ask: "When did {P} pass the driving test?" },
  { said: "I painted a mural at the community center {WHEN}", ask: "When did {P} paint a mural at the community center?" },
  { said: "we adopted a little apple tree for the garden {WHEN}", ask: "When did {P} plant an apple tree in the garden?" },
  { said: "I went to a mentoring program for young artists {WHEN}", ask: "When did {P} join a mentoring program?" },
  { said: "I had a job interview at a hospital {WHEN}", ask: "When did {P} have a job interview at a hospital?" },
  { said: "I went to my cousin's wedding in the mountains {WHEN}", ask: "When did {P} go to a wedding in the mountains?" },
  { said: "I joined a book club at the library {WHEN}", ask: "When did {P} join the library book club?" },
  { said: "I climbed at the indoor bouldering gym for the first time {WHEN}", ask: "When did {P} first go bouldering?" },
  { said: "I performed a song at an open mic night {WHEN}", ask: "When did {P} perform at an open mic?" },
];
/** How the person dates an activity, and how many days before the telling it happened (the generator's ground truth). */
const WHEN: Array<{ phrase: string; daysBefore: (toldWeekday: number) => number }> = [
  { phrase: "yesterday", daysBefore: () => 1 },
  { phrase: "last weekend", daysBefore: (d) => (d - 6 + 7) % 7 || 7 },
  { phrase: "last Friday", daysBefore: (d) => (d - 5 + 7) % 7 || 7 },
  { phrase: "this morning", daysBefore: () => 0 },
  { phrase: "two days ago", daysBefore: () => 2 },
  { phrase: "on Saturday", daysBefore: (d) => (d - 6 + 7) % 7 || 7 },
];
/** Interests stated in plain words; the open-domain question asks about them without those words. */
const INTERESTS: Array<{ lines: string[]; ask: string }> = [
  { lines: ["I love hiking up mountain trails, the views make it worth it", "we went backpacking through the forest, slept in a tent"], ask: "Would {P} enjoy an outdoor adventure holiday?" },
  { lines: ["I've been reading so many fantasy novels lately", "the library had the sequel to my favorite dragon saga"], ask: "What kind of gift would a bookworm like {P} appreciate?" },
  { lines: ["I've been painting watercolor landscapes every evening", "I bought new brushes and a sketchbook for my art"], ask: "Is {P} a creative person?" },
  { lines: ["I cook a big vegetarian curry every Sunday", "I tried baking focaccia with rosemary from my garden"], ask: "Would {P} like a cooking class as a present?" },
  { lines: ["I play guitar for an hour before bed", "I'm writing my own songs about growing up"], ask: "Is {P} musical?" },
  { lines: ["I go swimming in the sea every morning, even in winter", "cold water makes me feel alive"], ask: "What helps {P} start the day feeling good?" },
  { lines: ["I care a lot about LGBTQ rights and I want to be an advocate", "I marched in the pride parade with my friends"], ask: "What causes does {P} care about?" },
  { lines: ["I spend my weekends at the skate park", "I learned a new kickflip trick on my board"], ask: "Is {P} into sports?" },
];
const SMALL_TALK = [
  "{S}: Hey {O}! It's been a while, how are you doing?",
  "{S}: Hi {O}, good to hear from you. The week has been crazy.",
  "{S}: That's awesome, {O}! I'm so happy for you.",
  "{S}: Wow, that sounds amazing. Tell me more!",
  "{S}: Haha, I can totally picture that.",
  "{S}: Thanks, {O}. It means a lot that you ask.",
  "{S}: Oh no, I'm sorry to hear that. Are you okay?",
  "{S}: I know what you mean, work has been hectic for me too.",
  "{S}: Did you do anything fun over the weekend?",
  "{S}: Not much, mostly errands and catching up on sleep.",
  "{S}: The weather has been lovely, I went for a walk yesterday.",
  "{S}: That reminds me, I wanted to ask about your family.",
  "{S}: Everyone is fine, thanks for asking. Busy as always.",
  "{S}: I love that! You always find time for the things you enjoy.",
  "{S}: How was the workshop you mentioned? Was it fun?",
  "{S}: We should plan something together soon, maybe a trip.",
  "{S}: Yes! Let me check my schedule and get back to you.",
  "{S}: I've been feeling a bit tired lately, but happy.",
  "{S}: That's so thoughtful of you, {O}.",
  "{S}: I'm proud of you, seriously.",
  "{S}: What are your plans for next week?",
  "{S}: I'm thinking about taking a class, not sure which one yet.",
  "{S}: My family says hi, by the way.",
  "{S}: Sounds like a great day. Did you take any pictures?",
  "{S}: I did! I'll send them to you later.",
  "{S}: Honestly, a quiet evening at home sounds perfect right now.",
];

const iso = (ms: number) => new Date(ms).toISOString();

/** One conversation of about `sessions` × 17 turns between `person` and `friend`. */
function conversation(r: Rng, person: string, friend: string, sessions: number): Conversation {
  const turns: Turn[] = [];
  const questions: Question[] = [];
  let clock = Date.UTC(2023, 0, 2 + r.int(60), 17, 0);
  const sessionDates: number[] = [];
  for (let s = 0; s < sessions; s++) {
    sessionDates.push(clock);
    clock += (5 + r.int(10)) * 86_400_000;
  }
  // What each session will talk about, planned first so facts introduced early are referred to later.
  const plan: Array<Array<(session: number) => void>> = Array.from({ length: sessions }, () => []);
  let sessionStart = 0;
  const say = (speaker: string, text: string): number => {
    const at = sessionDates[currentSession]! + (turns.length - sessionStart) * 60_000;
    turns.push({ speaker, text: `${speaker}: ${text}`, at: iso(at), session: currentSession });
    return turns.length - 1;
  };
  let currentSession = 0;
  const react = (speaker: string, other: string) => say(speaker, r.pick(SMALL_TALK).replace("{S}: ", "").replaceAll("{O}", other));
  const ask = (kind: QuestionKind, template: string, evidence: number[], who: string, relation?: string, tag?: string) =>
    questions.push({ kind, question: template.replaceAll("{P}", who).replaceAll("{R}", relation ?? ""), evidence, ...(tag ? { tag } : {}) });
  /** When each dated activity really happened (turn index → day, UTC midnight ms). */
  const happened = new Map<number, number>();
  const at = (n: number) => Math.min(sessions - 1, Math.max(0, n));

  for (const [who, other] of [
    [person, friend],
    [friend, person],
  ] as const) {
    const main = who === person;
    // Relatives: introduced with the relation, described later by name only (multi-hop).
    const relatives = r.shuffle(RELATIONS).slice(0, main ? 3 : 2);
    const names = r.shuffle(RELATIVE_NAMES);
    const jobs = r.shuffle(RELATIVE_JOBS);
    relatives.forEach((relation, i) => {
      const name = names[i]!;
      const job = jobs[i]!;
      const intro = r.int(Math.floor(sessions / 2));
      let introTurn = -1;
      plan[intro]!.push(() => {
        introTurn = say(who, `My ${relation} ${name} is coming to stay with us for a few days, I can't wait.`);
        react(other, who);
      });
      plan[at(intro + 2 + r.int(sessions / 2))]!.push(() => {
        const jobTurn = say(who, `${name} ${job.job} these days, and ${job.detail}.`);
        say(other, `That's impressive! Say hi to ${name} from me.`);
        ask("single-hop", `What is the name of ${who}'s ${relation}?`, [introTurn], who);
        ask("multi-hop", job.ask, [introTurn, jobTurn], who, relation);
      });
      // The relative's partner, introduced through the relative and described by name only: two hops.
      if (i === 0) {
        const partner = names[5 + (main ? 0 : 1)]!;
        const partnerJob = jobs[5 + (main ? 0 : 1)]!;
        let partnerTurn = -1;
        plan[at(intro + 1)]!.push(() => {
          partnerTurn = say(who, `${name}'s partner ${partner} came along too, such a lovely person.`);
          react(other, who);
        });
        plan[at(intro + 3 + r.int(sessions / 2))]!.push(() => {
          const told = say(who, `${partner} ${partnerJob.job} now, and ${partnerJob.detail}.`);
          react(other, who);
          ask("multi-hop", partnerJob.ask, [introTurn, partnerTurn, told], who, `${relation}'s partner`, "2-hop relation");
        });
      }
    });
    // A pet: named once, its adventure told later without the word for the animal.
    const pet = r.pick(PETS);
    const petName = r.pick(pet.names);
    const petIntro = r.int(Math.floor(sessions / 3));
    let petTurn = -1;
    plan[petIntro]!.push(() => {
      petTurn = say(who, `We got a ${pet.kind}! His name is ${petName} and he already owns the sofa.`);
      say(other, `Aww, ${petName} is such a cute name!`);
      ask("single-hop", `What is the name of ${who}'s ${pet.kind}?`, [petTurn], who);
    });
    plan[at(petIntro + 3 + r.int(sessions / 3))]!.push(() => {
      const story = say(who, `Guess what, ${petName} ${pet.event}.`);
      react(other, who);
      ask("multi-hop", pet.ask, [petTurn, story], who);
    });
    // A home and a job that change: "before" questions need the old fact, "now" the new one.
    const [oldCity, newCity] = r.shuffle(CITIES) as [string, string];
    const [oldJob, newJob] = r.shuffle(JOBS) as [string, string];
    const move = at(Math.floor(sessions / 2) + r.int(sessions / 3));
    let oldCityTurn = -1;
    let oldJobTurn = -1;
    plan[r.int(3)]!.push(() => {
      oldCityTurn = say(who, `Life in ${oldCity} is good, I like our little apartment near the market.`);
      react(other, who);
      oldJobTurn = say(who, `Work is fine, I'm still a ${oldJob}, the hours are long though.`);
      say(other, `You've been doing that for years, right?`);
    });
    plan[move]!.push(() => {
      const moved = say(who, `Big news: we're moving to ${newCity} next month, I got an offer there!`);
      react(other, who);
      const started = say(who, `Yes, I start as a ${newJob} right after the move.`);
      say(other, `I'm going to miss you, but ${newCity} will be great.`);
      ask("single-hop", `Where does ${who} live now?`, [moved], who);
      ask("temporal", `Where did ${who} live before moving to ${newCity}?`, [oldCityTurn], who);
      ask("single-hop", `What is ${who}'s new job?`, [started], who);
      ask("temporal", `What did ${who} do for work before becoming a ${newJob.split(" ")[0]}?`, [oldJobTurn], who);
      ask("temporal", `When did ${who} decide to move to ${newCity}?`, [moved], who);
    });
    // Dated activities, each told once, asked by "when".
    for (const activity of r.shuffle(ACTIVITIES).slice(0, main ? 11 : 5)) {
      const session = r.int(sessions);
      plan[session]!.push(() => {
        const when = r.pick(WHEN);
        const told = say(who, activity.said.replace("{WHEN}", when.phrase) + ".");
        const toldDay = Date.parse(turns[told]!.at.slice(0, 10));
        happened.set(told, toldDay - when.daysBefore(new Date(toldDay).getUTCDay()) * 86_400_000);
        say(other, `No way! How was it?`);
        react(who, other);
        ask("temporal", activity.ask, [told], who);
      });
    }
    // Hobbies: stated in two sessions, asked about in other words.
    for (const interest of r.shuffle(INTERESTS).slice(0, main ? 4 : 2)) {
      const evidence: number[] = [];
      const first = r.int(sessions);
      plan[first]!.push(() => {
        evidence.push(say(who, interest.lines[0]! + "."));
        react(other, who);
      });
      plan[at(first + 1 + r.int(sessions - 1))]!.push(() => {
        evidence.push(say(who, interest.lines[1]! + "."));
        react(other, who);
        ask("open-domain", interest.ask, [...evidence], who);
      });
    }
    // What happened in a given month, and on a given day: the activities that happened then (not when they were told).
    if (main) {
      plan[sessions - 1]!.push(() => {
        const byMonth = new Map<string, number[]>();
        const byDay = new Map<string, number[]>();
        for (const q of questions) {
          if (q.kind !== "temporal" || !q.question.startsWith(`When did ${who} `) || q.question.includes("move")) continue;
          const turn = q.evidence[0]!;
          const day = happened.get(turn)!;
          const month = new Date(day).toLocaleString("en-US", { month: "long", year: "numeric", timeZone: "UTC" });
          byMonth.set(month, [...(byMonth.get(month) ?? []), turn]);
          // "Last weekend" names two days, not one: not asked about a single day.
          if (turns[turn]!.text.includes("last weekend")) continue;
          const date = new Date(day).toLocaleString("en-US", { month: "long", day: "numeric", year: "numeric", timeZone: "UTC" });
          byDay.set(date, [...(byDay.get(date) ?? []), turn]);
        }
        for (const [month, evidence] of byMonth) if (evidence.length >= 2) ask("temporal", `What did ${who} do in ${month}?`, evidence.slice(0, 3), who, undefined, "a given month");
        for (const [date, evidence] of byDay) ask("temporal", `What did ${who} do on ${date}?`, evidence.slice(0, 3), who, undefined, "a given day");
      });
    }
  }

  for (currentSession = 0; currentSession < sessions; currentSession++) {
    sessionStart = turns.length;
    const opener = currentSession % 2 === 0 ? person : friend;
    const other = opener === person ? friend : person;
    say(opener, r.pick(SMALL_TALK.slice(0, 2)).replace("{S}: ", "").replaceAll("{O}", other));
    react(other, opener);
    for (const topic of r.shuffle(plan[currentSession]!)) {
      topic(currentSession);
      if (r.int(2) === 0) react(r.int(2) ? person : friend, r.int(2) ? friend : person);
    }
    // Small talk until the session has its length: long conversations are mostly this.
    while (turns.length - sessionStart < 15 + r.int(6)) {
      const speaker = (turns.length - sessionStart) % 2 === 0 ? opener : other;
      react(speaker, speaker === person ? friend : person);
    }
    say(opener, r.pick(["I should get going, talk soon!", "Let's catch up again next week!", "Gotta run, dinner is ready. Bye!", `Bye ${other}, take care of yourself!`]));
  }
  return { person, friend, turns, questions };
}

/** `people` conversations of `sessions` sessions each; the same arguments always give the same data. */
export function generateConversations(people: number, sessions: number, seed = 42): Conversation[] {
  const r = rng(seed);
  return Array.from({ length: people }, (_, i) => {
    const names = r.shuffle(FIRST_NAMES);
    const person = i < FIRST_NAMES.length ? FIRST_NAMES[i]! : `${names[0]} ${String.fromCharCode(65 + (i % 26))}.`;
    const friend = names.find((n) => n !== person && !person.startsWith(n))!;
    return conversation(r, person, friend, sessions);
  });
}
