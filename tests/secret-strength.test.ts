import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { estimateSecretBits } from "../src/core/secret-strength.js";

describe("estimateSecretBits", () => {
  it("scores random secrets near their true randomness", () => {
    for (let i = 0; i < 100; i++) {
      expect(estimateSecretBits(randomBytes(32).toString("hex"))).toBeGreaterThan(180); // 256 bits
      expect(estimateSecretBits(randomBytes(32).toString("base64"))).toBeGreaterThan(200);
    }
  });

  it("sees through repeats, words, sequences, keyboard runs and pieces used twice", () => {
    const cases: Array<[string, number]> = [
      ["a".repeat(64), 12],
      ["ab".repeat(32), 16],
      ["changeme".repeat(5), 16],
      ["password1234567890password123456", 32],
      ["0123456789abcdef".repeat(3), 20],
      ["qwertyuiopasdfghjklzxcvbnm", 32],
      ["P4ssw0rdP4ssw0rd", 16],
      ["zyxwvutsrqponmlkjihgfedcba9876543210", 16],
    ];
    for (const [secret, atMost] of cases) expect(estimateSecretBits(secret), secret).toBeLessThanOrEqual(atMost);
  });
});
