/**
 * A small labelled recall set: facts a person mentions in long conversations, then questions about
 * them phrased differently (some share words with the fact, some only meaning), as a companion would ask.
 */
export const RECALL_SET: Array<{ fact: string; question: string }> = [
  { fact: "The user's sister Ana lives in Porto.", question: "How is your sister doing up in Porto?" },
  { fact: "The user is training for a half marathon in April.", question: "How's the running going?" },
  { fact: "The user's dog is called Biscuit and is afraid of thunder.", question: "Was Biscuit okay during the storm last night?" },
  { fact: "The user works night shifts as an ICU nurse.", question: "Are you still doing nights at the hospital?" },
  { fact: "The user is allergic to penicillin.", question: "Which antibiotic are you allergic to?" },
  { fact: "The user's grandmother Rosa taught them to bake bread.", question: "Who taught you to bake?" },
  { fact: "The user moved from Dublin to Lisbon last autumn.", question: "Do you miss Dublin since the move?" },
  { fact: "The user feels anxious before work presentations.", question: "Is the presentation at work making you nervous again?" },
  { fact: "The user's favourite tea is jasmine green tea.", question: "What tea should I make for you?" },
  { fact: "The user is learning to play the cello.", question: "How are the cello lessons going?" },
  { fact: "The user's partner Sam is a carpenter.", question: "What does Sam do for work?" },
  { fact: "The user wants to run a small bakery one day.", question: "Are you still dreaming about opening a bakery?" },
  { fact: "The user's father had heart surgery in March.", question: "How is your dad recovering after his surgery?" },
  { fact: "The user struggles to sleep when it is hot.", question: "Did the heat keep you awake again?" },
  { fact: "The user is vegetarian.", question: "Do you eat meat?" },
  { fact: "The user's best friend Priya lives in Toronto.", question: "When did you last talk to Priya?" },
  { fact: "The user is saving money for a trip to Japan.", question: "How is the Japan savings plan coming along?" },
  { fact: "The user's cat Miso is fourteen years old.", question: "How old is Miso now?" },
  { fact: "The user finds swimming in the sea calming.", question: "What helps you calm down?" },
  { fact: "The user is studying for a nursing master's degree.", question: "How are your studies going?" },
  { fact: "The user's son Leo starts school in September.", question: "Is Leo excited about starting school?" },
  { fact: "The user grew up on a farm in County Clare.", question: "Where did you grow up?" },
  { fact: "The user is afraid of flying.", question: "How do you feel about the flight?" },
  { fact: "The user volunteers at an animal shelter on Saturdays.", question: "Are you at the animal shelter this weekend?" },
  { fact: "The user's mother speaks Portuguese at home.", question: "What language does your mum speak?" },
  { fact: "The user has a garden with tomatoes and basil.", question: "How are the tomatoes in your garden?" },
  { fact: "The user broke their wrist skiing two years ago.", question: "Does your wrist still hurt from that skiing accident?" },
  { fact: "The user is reading a book about Stoic philosophy.", question: "What are you reading at the moment?" },
  { fact: "The user's goal is to meditate ten minutes every morning.", question: "Did you manage your morning meditation?" },
  { fact: "The user lost their job at the bank in January.", question: "Any news on the job search since the bank?" },
];

const SUBJECTS = ["The user", "The user's brother", "The user's neighbour", "The user's colleague", "The user's aunt", "The user's flatmate"];
const VERBS = ["enjoys", "dislikes", "talked about", "is worried about", "bought", "visited", "remembers", "is planning", "forgot", "recommended"];
const OBJECTS = [
  "a new kettle", "the farmers market", "an old photo album", "a yoga class", "the city library", "a broken bicycle", "a jazz concert", "the dentist appointment",
  "a pottery workshop", "the winter coat", "a crossword puzzle", "the train timetable", "a chess club", "the rooftop terrace", "a cooking podcast", "the electricity bill",
  "a hiking trail", "the birthday card", "a second-hand sofa", "the local choir", "a language exchange", "the vegetable box", "a documentary about whales", "the umbrella",
];
const WHEN = ["last week", "yesterday", "every Sunday", "in the spring", "after work", "on holiday", "this month", "most evenings"];

/** Deterministic pseudo-random distractor memories (a seeded LCG, so every run benchmarks the same data). */
export function distractors(count: number, seed: number): string[] {
  let state = seed >>> 0 || 1;
  const next = (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
  return Array.from({ length: count }, (_, i) => `${SUBJECTS[next(SUBJECTS.length)]} ${VERBS[next(VERBS.length)]} ${OBJECTS[next(OBJECTS.length)]} ${WHEN[next(WHEN.length)]} (#${i}).`);
}
