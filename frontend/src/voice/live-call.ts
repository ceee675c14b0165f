import { startSession } from "../api/chat-api";
import { currentSessionId, forgetSessionId, rememberSessionId } from "../api/session";
import { VoiceMeter } from "./voice-meter";

/**
 * The voice page's live call: one WebSocket to /api/v1/voice/live for the whole call. The microphone
 * (echo cancellation and noise suppression on, so Rose does not hear herself) is resampled to 16 kHz PCM
 * in an AudioWorklet (a ScriptProcessor where worklets are missing) and streamed in 20 ms frames; the
 * server hears when the person starts and stops, so turns flow without tapping. Rose's audio events are
 * played in order and the progress is reported (`playback`), so an interrupted reply keeps exactly what
 * was heard; `interrupted` (the person spoke over her) stops playback at once.
 */

export type LiveCallStatus = "connecting" | "listening" | "hearing" | "thinking" | "speaking" | "ended" | "failed";

export interface LiveLine {
  who: "you" | "rose";
  text: string;
  /** False while the words may still change (a partial transcript, a reply being written). */
  settled: boolean;
  interrupted?: boolean;
}

export interface LiveCallSnapshot {
  status: LiveCallStatus;
  lines: LiveLine[];
  error: string | null;
}

export interface ServerEvent {
  type: string;
  [key: string]: unknown;
}

const FRAME_SAMPLES = 320;
const TARGET_RATE = 16_000;

/** Whether this browser can hold a live call at all (else the page keeps the upload path). */
export function canCallLive(): boolean {
  return typeof WebSocket !== "undefined" && typeof AudioContext !== "undefined" && !!navigator.mediaDevices?.getUserMedia;
}

export function liveCallUrl(location: Location = window.location): string {
  return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/api/v1/voice/live`;
}

/**
 * The call's transcript after one server event. Lines need not arrive in the order they show: with
 * streaming recognition the person's next words (a partial) can come while Rose's reply is still being
 * written, or before the server says she was interrupted. So her reply in progress is her line after the
 * person's last settled one, and their words in progress are their last unsettled line.
 */
export function transcriptAfter(lines: readonly LiveLine[], event: ServerEvent): LiveLine[] {
  const next = [...lines];
  const lastSaid = next.findLastIndex((line) => line.who === "you" && line.settled);
  const replyAt = next.findIndex((line, i) => i > lastSaid && line.who === "rose");
  switch (event.type) {
    case "transcript": {
      const line: LiveLine = { who: "you", text: String(event.text), settled: event.final === true };
      const hearingAt = next.findLastIndex((l) => l.who === "you" && !l.settled);
      if (hearingAt !== -1) next[hearingAt] = line;
      else next.push(line);
      return next;
    }
    case "token": {
      const writingAt = next.findLastIndex((l) => l.who === "rose" && !l.settled);
      if (writingAt !== -1) next[writingAt] = { ...next[writingAt]!, text: next[writingAt]!.text + String(event.text) };
      else next.push({ who: "rose", text: String(event.text), settled: false });
      return next;
    }
    case "interrupted":
      // Cut off before she wrote a word: nothing of hers to mark.
      if (replyAt !== -1) next[replyAt] = { who: "rose", text: String(event.heard), settled: true, interrupted: true };
      return next;
    case "done":
      if (replyAt === -1) return next;
      next[replyAt] = { who: "rose", text: String(event.text), settled: true };
      return typeof event.transcript === "string" ? answeredTogether(next, replyAt, event.transcript) : next;
    default:
      return next;
  }
}

/**
 * The person paused, went on, and the server answered their words as one turn (`done.transcript` is them
 * all): their lines before the reply become one, as the conversation's history will show them.
 */
function answeredTogether(lines: LiveLine[], replyAt: number, transcript: string): LiveLine[] {
  const previousReply = lines.findLastIndex((line, i) => i < replyAt && line.who === "rose");
  const said = lines.slice(previousReply + 1, replyAt);
  if (said.length < 2 || said.some((line) => line.who !== "you" || !line.settled)) return lines;
  if (said.map((line) => line.text).join(" ") !== transcript) return lines;
  return [...lines.slice(0, previousReply + 1), { who: "you", text: transcript, settled: true }, ...lines.slice(replyAt)];
}

export class LiveCall {
  private snapshot: LiveCallSnapshot = { status: "connecting", lines: [], error: null };
  private readonly listeners = new Set<() => void>();
  private socket: WebSocket | null = null;
  private context: AudioContext | null = null;
  private stream: MediaStream | null = null;
  private readonly queue: Array<{ index: number; url: string }> = [];
  private readonly audio = new Audio();
  /** Her voice's loudness during the call, for the presence on the page. */
  private readonly meter = new VoiceMeter(this.audio);
  private playing: { index: number; url: string } | null = null;
  private reportTimer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly url: string = liveCallUrl()) {
    this.audio.addEventListener("ended", () => this.playNext());
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): LiveCallSnapshot => this.snapshot;

  /** How loud Rose's voice is now (0..1), or null when it cannot be measured. */
  voiceLevel(): number | null {
    return this.meter.level();
  }

  private update(change: Partial<LiveCallSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...change };
    for (const listener of this.listeners) listener();
  }

  /** Resolves once the server is ready; rejects when the call cannot open (the page then offers the upload path). */
  async start(): Promise<void> {
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
    });
    // A first visit has neither a conversation nor an identity yet: starting one through the API gives both.
    const remembered = currentSessionId();
    try {
      await this.open(remembered ?? (await startSession()).sessionId);
    } catch (error) {
      // The conversation is gone (deleted, data wiped): the call starts a new one.
      if (!remembered || (error as { code?: string }).code !== "not_found") throw error;
      forgetSessionId();
      this.snapshot = { ...this.snapshot, error: null };
      await this.open((await startSession()).sessionId);
    }
    await this.capture();
    this.update({ status: "listening" });
  }

  private async open(sessionId: string): Promise<void> {
    rememberSessionId(sessionId);
    const socket = new WebSocket(this.url);
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => {
        socket.send(
          JSON.stringify({ type: "start", sample_rate: TARGET_RATE, timezone: Intl.DateTimeFormat().resolvedOptions().timeZone, session_id: sessionId }),
        );
      };
      socket.onmessage = (message) => {
        const event = JSON.parse(String(message.data)) as ServerEvent;
        if (event.type === "ready") {
          rememberSessionId(String(event.session_id));
          resolve();
        }
        if (event.type === "error" && this.snapshot.status === "connecting") reject(Object.assign(new Error(String(event.message)), { code: event.code }));
        this.handle(event);
      };
      socket.onerror = () => reject(new Error("The live call could not connect"));
      socket.onclose = () => {
        reject(new Error("The live call closed"));
        if (this.socket === socket) this.finish();
      };
    });
  }

  private async capture(): Promise<void> {
    const context = new AudioContext();
    this.context = context;
    const source = context.createMediaStreamSource(this.stream!);
    const send = (pcm: ArrayBuffer) => {
      if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(pcm);
    };
    try {
      await context.audioWorklet.addModule("/pcm-capture-worklet.js");
      const node = new AudioWorkletNode(context, "pcm-capture");
      node.port.onmessage = (message: MessageEvent<ArrayBuffer>) => send(message.data);
      source.connect(node);
    } catch {
      // No AudioWorklet: the older ScriptProcessor, resampling on the main thread.
      const processor = context.createScriptProcessor(4096, 1, 1);
      const step = context.sampleRate / TARGET_RATE;
      let position = 0;
      let frame = new Int16Array(FRAME_SAMPLES);
      let filled = 0;
      processor.onaudioprocess = (event) => {
        const input = event.inputBuffer.getChannelData(0);
        for (; position < input.length; position += step) {
          frame[filled++] = Math.max(-32768, Math.min(32767, Math.round(input[Math.floor(position)]! * 32767)));
          if (filled === FRAME_SAMPLES) {
            send(frame.buffer);
            frame = new Int16Array(FRAME_SAMPLES);
            filled = 0;
          }
        }
        position -= input.length;
      };
      source.connect(processor);
      processor.connect(context.destination);
    }
  }

  private handle(event: ServerEvent): void {
    const lines = transcriptAfter(this.snapshot.lines, event);
    switch (event.type) {
      case "speech_started":
        return this.update({ status: "hearing" });
      case "speech_stopped":
        return this.update({ status: "thinking" });
      case "transcript":
      case "token":
        return this.update({ lines });
      case "audio":
        this.enqueue(Number(event.index), String(event.mime), String(event.data));
        return this.update({ status: "speaking" });
      case "interrupted":
        this.silence();
        return this.update({ lines, status: "hearing" });
      case "done":
        return this.update({ lines, status: this.playing ? "speaking" : "listening" });
      case "error":
        return this.update({ error: String(event.message) });
    }
  }

  private enqueue(index: number, mime: string, data: string): void {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    this.queue.push({ index, url: URL.createObjectURL(new Blob([bytes], { type: mime })) });
    if (!this.playing) this.playNext();
  }

  private playNext(): void {
    if (this.playing) {
      this.report(this.playing.index, Number.MAX_SAFE_INTEGER);
      URL.revokeObjectURL(this.playing.url);
    }
    this.playing = this.queue.shift() ?? null;
    if (this.reportTimer) clearInterval(this.reportTimer);
    if (!this.playing) {
      if (this.snapshot.status === "speaking") this.update({ status: "listening" });
      return;
    }
    const clip = this.playing;
    this.audio.src = clip.url;
    void this.audio.play().catch(() => this.playNext());
    // How much has been heard, a few times a second: the server keeps exactly that if she is interrupted.
    this.reportTimer = setInterval(() => this.report(clip.index, this.audio.currentTime * 1000), 200);
  }

  private report(index: number, playedMs: number): void {
    const played = Number.isFinite(this.audio.duration) && playedMs > this.audio.duration * 1000 ? this.audio.duration * 1000 : playedMs;
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type: "playback", index, played_ms: Math.max(0, Math.round(played)) }));
  }

  /** Stops Rose's voice now and forgets the clips still queued. */
  private silence(): void {
    if (this.reportTimer) clearInterval(this.reportTimer);
    this.audio.pause();
    for (const clip of this.queue.splice(0)) URL.revokeObjectURL(clip.url);
    if (this.playing) URL.revokeObjectURL(this.playing.url);
    this.playing = null;
  }

  /** The person asked Rose to stop (a button): the server does the rest. */
  interrupt(): void {
    this.silence();
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type: "interrupt" }));
  }

  stop(): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type: "stop" }));
    this.finish();
  }

  private finish(): void {
    this.silence();
    this.meter.detach();
    this.stream?.getTracks().forEach((track) => track.stop());
    void this.context?.close().catch(() => {});
    this.context = null;
    this.socket?.close();
    if (this.snapshot.status !== "failed") this.update({ status: "ended" });
  }
}
