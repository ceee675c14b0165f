import { startSimulator } from "./server.js";

/**
 * `npm run simulator`: the provider simulator as a standalone process, for running Rose against it
 * by hand or from another process. Script it over HTTP (see control.ts), e.g.
 *   curl -X POST localhost:4010/__sim/rules -d '{"match":{"lastUser":"hello"},"reply":{"content":"Hi!"}}'
 */

const port = Number(process.env.SIMULATOR_PORT ?? 4010);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`SIMULATOR_PORT must be a port number, got ${JSON.stringify(process.env.SIMULATOR_PORT)}`);
  process.exit(1);
}

const sim = await startSimulator({ port, host: "127.0.0.1" });

console.log(`Provider simulator listening on ${sim.url}

Base URLs
  OpenAI      ${sim.openaiBaseUrl}
  Groq        ${sim.groqBaseUrl}   (groq-sdk adds /openai/v1)
  ElevenLabs  ${sim.elevenlabsBaseUrl}   (the SDK adds /v1)

Point Rose at it (any non-empty keys work):
  export OPENAI_BASE_URL=${sim.openaiBaseUrl} OPENAI_API_KEY=sim-key
  export GROQ_BASE_URL=${sim.groqBaseUrl} GROQ_API_KEY=sim-key
  export ELEVENLABS_BASE_URL=${sim.elevenlabsBaseUrl} ELEVENLABS_API_KEY=sim-key

Control
  POST   ${sim.url}/__sim/rules      add a rule (JSON; regexes as "/source/flags")
  DELETE ${sim.url}/__sim/rules      reset rules and the request log
  GET    ${sim.url}/__sim/requests   recorded requests (?endpoint=chat&provider=groq)
`);

const shutdown = (signal: string) => {
  console.log(`\n${signal}: closing the simulator`);
  sim.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.once("SIGINT", () => shutdown("SIGINT"));
process.once("SIGTERM", () => shutdown("SIGTERM"));
