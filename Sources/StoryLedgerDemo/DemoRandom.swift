import Foundation
import StoryLedger

/// A small, fast, seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64).
///
/// The demo corpus must be the same bytes for the same seed on every machine and every
/// run, so it never uses the system's generator. Values in a range use Lemire's
/// multiply-shift mapping: fast, and identical on every platform.
struct DemoRandom {
  private var state0: UInt64
  private var state1: UInt64
  private var state2: UInt64
  private var state3: UInt64

  /// Creates a generator whose whole sequence follows from `seed`.
  init(seed: UInt64) {
    var mixer = seed
    func splitMix() -> UInt64 {
      mixer &+= 0x9E37_79B9_7F4A_7C15
      var value = mixer
      value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
      value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
      return value ^ (value >> 31)
    }
    state0 = splitMix()
    state1 = splitMix()
    state2 = splitMix()
    state3 = splitMix()
  }

  /// The next 64 random bits.
  @inline(__always)
  mutating func next() -> UInt64 {
    let result = rotateLeft(state1 &* 5, by: 7) &* 9
    let shifted = state1 << 17
    state2 ^= state0
    state3 ^= state1
    state1 ^= state2
    state0 ^= state3
    state2 ^= shifted
    state3 = rotateLeft(state3, by: 45)
    return result
  }

  /// A value in `0..<count` (`count` must be positive).
  @inline(__always)
  mutating func below(_ count: Int) -> Int {
    Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(count)).high)
  }

  /// A value in `range`.
  @inline(__always)
  mutating func inRange(_ range: ClosedRange<Int>) -> Int {
    range.lowerBound + below(range.upperBound - range.lowerBound + 1)
  }

  /// `true` with probability `percent` / 100.
  @inline(__always)
  mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

  /// An index chosen with the relative weights of `weights`.
  mutating func pick(_ weights: DemoWeights) -> Int {
    var remaining = below(weights.total)
    for (index, weight) in weights.values.enumerated() {
      if remaining < weight { return index }
      remaining -= weight
    }
    return weights.values.count - 1
  }

  @inline(__always)
  private func rotateLeft(_ value: UInt64, by amount: UInt64) -> UInt64 {
    (value << amount) | (value >> (64 - amount))
  }
}

/// Relative weights of a few outcomes, with their total computed once.
struct DemoWeights {
  let values: [Int]
  let total: Int

  init(_ values: [Int]) {
    self.values = values
    self.total = max(1, values.reduce(0, +))
  }
}
