/* global AudioWorkletProcessor, registerProcessor, sampleRate -- the AudioWorklet global scope */
/**
 * Microphone audio for Rose's live call: resampled from the context's rate (44.1/48 kHz) to 16 kHz and
 * posted as 20 ms frames of 16-bit little-endian mono PCM (320 samples, 640 bytes), what the server's
 * /api/v1/voice/live expects. Served from the app's own origin, as the page's script policy requires.
 */
const TARGET_RATE = 16000;
const FRAME_SAMPLES = 320;

class PcmCaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / TARGET_RATE;
    this.position = 0;
    this.frame = new Int16Array(FRAME_SAMPLES);
    this.filled = 0;
    this.previous = 0;
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    // Linear interpolation between neighbouring input samples; the speech band is far below 8 kHz.
    while (this.position < channel.length) {
      const index = Math.floor(this.position);
      const fraction = this.position - index;
      const before = index === 0 ? this.previous : channel[index - 1];
      const sample = before + (channel[index] - before) * fraction;
      this.frame[this.filled++] = Math.max(-32768, Math.min(32767, Math.round(sample * 32767)));
      if (this.filled === FRAME_SAMPLES) {
        this.port.postMessage(this.frame.buffer, [this.frame.buffer]);
        this.frame = new Int16Array(FRAME_SAMPLES);
        this.filled = 0;
      }
      this.position += this.step;
    }
    this.position -= channel.length;
    this.previous = channel[channel.length - 1];
    return true;
  }
}

registerProcessor("pcm-capture", PcmCaptureProcessor);
