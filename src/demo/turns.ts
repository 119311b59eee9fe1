import type { Message } from '../types.js';

/** Small deterministic PRNG (mulberry32): the same seed gives the same sequence on every run. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The generator of one chat, seeded by its index: what a chat says depends on that chat alone,
 * never on how the chats' writes interleave (one generator shared by all of them was consumed in
 * commit order, so the story changed with the machine's timing).
 */
export function chatRandom(chat: number): () => number {
  return prng(42 + chat);
}

const CITIES = ['Lisbon', 'Osaka', 'Nairobi', 'Quito', 'Tromsø', 'Hobart', 'Lima', 'Oslo'];

/** Messages per turn: a question, a tool call, its result and an answer. */
export const TURN_LENGTH = 4;

/** Turn `i` of chat `chat`: a question, the weather tool called, its result, an answer. */
export function turn(chat: number, i: number, rnd: () => number): Message[] {
  const city = CITIES[Math.floor(rnd() * CITIES.length)] as string;
  const id = `call_${chat}_${i}`;
  const weather = { city, tempC: Math.round(rnd() * 35), sky: rnd() > 0.5 ? 'clear' : 'rain' };
  // The answer says what the tool returned (only its wording varies): this demo is about a
  // history that stays true.
  const sky = weather.sky === 'clear' ? 'sunny' : 'raining';
  const answer = rnd() > 0.5 ? `It is ${sky} in ${city}, ${weather.tempC} °C.` : `${city}: ${weather.tempC} °C and ${sky}.`;
  return [
    { role: 'user', content: `What's the weather in ${city}?` },
    { role: 'assistant', content: '', tool_calls: [{ id, type: 'function', function: { name: 'get_weather', arguments: JSON.stringify({ city }) } }] },
    { role: 'tool', tool_call_id: id, content: JSON.stringify(weather) },
    { role: 'assistant', content: answer },
  ];
}
