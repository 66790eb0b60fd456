/// SHA-256 of many independent messages at once: four in step, one in each lane of
/// `SIMD4<UInt32>` vectors.
///
/// `verify` hashes two short messages per record, the chain hash (the previous record's
/// stored hash and this record's hashed bytes) and the personal digest, and each depends
/// only on bytes already in the log, so they need not be hashed one after another. One
/// vector round does four messages' rounds for the price of less than two scalar ones
/// (x86-64's baseline SSE2 has no vector rotate: each rotate is two shifts and an or).
///
/// Messages are taken in order; a lane that finishes one starts the next, so messages of
/// different lengths keep the lanes full. A message longer than ``longMessage`` bytes is
/// hashed on its own by ``SHA256``, which does not copy it block by block.
///
/// ```swift
/// let text = Array("abc".utf8)
/// text.withUnsafeBytes { bytes in
///   let messages = [SHA256Lanes.Message(prefix: nil, bytes: bytes)]
///   var digests = [SHA256Digest](repeating: .zero, count: 1)
///   messages.withUnsafeBufferPointer { list in
///     digests.withUnsafeMutableBufferPointer { SHA256Lanes.hash(list, into: $0) }
///   }
///   digests[0] == SHA256.hash(bytes)  // true
/// }
/// ```
enum SHA256Lanes {
  /// A message: an optional 32-byte digest, then bytes.
  struct Message {
    /// Hashed first when present (the previous chain hash, for a chain message).
    var prefix: SHA256Digest?
    /// The rest of the message.
    var bytes: UnsafeRawBufferPointer
  }

  /// The length above which a message is hashed on its own rather than in a lane.
  static let longMessage = 4096

  /// Writes the digest of `messages[i]` to `digests[i]`, for every message that has a slot.
  static func hash(
    _ messages: UnsafeBufferPointer<Message>, into digests: UnsafeMutableBufferPointer<SHA256Digest>
  ) {
    let count = min(messages.count, digests.count)
    var state = LaneState()
    withUnsafeTemporaryAllocation(of: Lane.self, capacity: 4) { lanes in
      withUnsafeTemporaryAllocation(byteCount: 4 * 64, alignment: 16) { blocks in
        guard let blockBase = blocks.baseAddress else { return }
        var next = 0
        // Gives `lane` the next message to hash in a lane, if any is left.
        func assign(_ lane: Int) {
          while next < count, messages[next].bytes.count > longMessage {
            digests[next] = hashAlone(messages[next])
            next += 1
          }
          if next < count {
            lanes[lane] = Lane(message: next, block: 0, blocks: blockCount(messages[next]))
            next += 1
          } else {
            lanes[lane] = Lane(message: -1, block: 0, blocks: 0)
          }
        }
        for lane in 0..<4 { assign(lane) }
        while lanes[0].isActive || lanes[1].isActive || lanes[2].isActive || lanes[3].isActive {
          for lane in 0..<4 where lanes[lane].isActive {
            fill(
              blockBase + 64 * lane, with: messages[lanes[lane].message], block: lanes[lane].block,
              of: lanes[lane].blocks)
          }
          // An idle lane hashes whatever its block holds; its result is never read.
          state.compress(UnsafeRawPointer(blockBase))
          for lane in 0..<4 where lanes[lane].isActive {
            lanes[lane].block += 1
            guard lanes[lane].block == lanes[lane].blocks else { continue }
            digests[lanes[lane].message] = state.digest(lane: lane)
            state.reset(lane: lane)
            assign(lane)
          }
        }
      }
    }
  }

  /// A lane's message (or -1 when idle) and how far it has got.
  private struct Lane {
    var message: Int
    var block: Int
    var blocks: Int
    var isActive: Bool { message >= 0 }
  }

  private static func hashAlone(_ message: Message) -> SHA256Digest {
    var hasher = SHA256()
    if let prefix = message.prefix { hasher.update(prefix) }
    hasher.update(message.bytes)
    return hasher.finalize()
  }

  /// The number of 64-byte blocks of the padded message: its bytes, 0x80, zeros, and its
  /// length in bits as eight bytes.
  private static func blockCount(_ message: Message) -> Int {
    (length(of: message) + 9 + 63) / 64
  }

  private static func length(of message: Message) -> Int {
    (message.prefix == nil ? 0 : 32) + message.bytes.count
  }

  /// Writes block `block` (of `blocks`) of the padded `message` to the 64 bytes at `target`.
  private static func fill(
    _ target: UnsafeMutableRawPointer, with message: Message, block: Int, of blocks: Int
  ) {
    target.initializeMemory(as: UInt8.self, repeating: 0, count: 64)
    let start = block * 64
    let prefixCount = message.prefix == nil ? 0 : 32
    if block == 0, let prefix = message.prefix {
      target.storeBytes(of: prefix.word0.bigEndian, toByteOffset: 0, as: UInt64.self)
      target.storeBytes(of: prefix.word1.bigEndian, toByteOffset: 8, as: UInt64.self)
      target.storeBytes(of: prefix.word2.bigEndian, toByteOffset: 16, as: UInt64.self)
      target.storeBytes(of: prefix.word3.bigEndian, toByteOffset: 24, as: UInt64.self)
    }
    let total = prefixCount + message.bytes.count
    let from = max(start, prefixCount)
    let to = min(start + 64, total)
    if from < to, let bytes = message.bytes.baseAddress {
      (target + (from - start)).copyMemory(from: bytes + (from - prefixCount), byteCount: to - from)
    }
    if total >= start && total < start + 64 {
      target.storeBytes(of: 0x80, toByteOffset: total - start, as: UInt8.self)
    }
    if block == blocks - 1 {
      target.storeBytes(of: (UInt64(total) &* 8).bigEndian, toByteOffset: 56, as: UInt64.self)
    }
  }
}

/// The rotation and shift counts of SHA-256's sigma functions, each rotation as a pair of
/// shifts (right by `n`, left by `32 - n`).
///
/// They are variables stored in ``LaneState`` and read from memory, not literals or `let`s,
/// and both counts of a rotation are stored: given literal counts the optimiser merges pairs
/// of shifts of one vector into shifts by a different count per lane, and given `n` and
/// `32 - n` it forms a vector rotate; SSE2 has neither, and emulates them lane by lane, at a
/// third of the speed. Read from memory, each shift is one vector instruction.
private struct Rotations {
  typealias Vector = SIMD4<UInt32>
  typealias Rotation = (right: UInt32, left: UInt32)

  var bigSigma1: (Rotation, Rotation, Rotation) = ((6, 26), (11, 21), (25, 7))
  var bigSigma0: (Rotation, Rotation, Rotation) = ((2, 30), (13, 19), (22, 10))
  var smallSigma0: (Rotation, Rotation, shift: UInt32) = ((7, 25), (18, 14), 3)
  var smallSigma1: (Rotation, Rotation, shift: UInt32) = ((17, 15), (19, 13), 10)

  @inline(__always)
  func rotate(_ value: Vector, _ rotation: Rotation) -> Vector {
    (value &>> rotation.right) | (value &<< rotation.left)
  }

  /// The schedule word 16 places after `w0`, from the words 1, 9 and 14 places after it.
  @inline(__always)
  func expand(_ w0: Vector, _ w1: Vector, _ w9: Vector, _ w14: Vector) -> Vector {
    let s0 =
      rotate(w1, smallSigma0.0) ^ rotate(w1, smallSigma0.1) ^ (w1 &>> smallSigma0.2)
    let s1 =
      rotate(w14, smallSigma1.0) ^ rotate(w14, smallSigma1.1) ^ (w14 &>> smallSigma1.2)
    return w0 &+ s0 &+ w9 &+ s1
  }

  /// One round in every lane, the working variables renamed as in ``SHA256``.
  @inline(__always)
  func round(
    _ a: Vector, _ b: Vector, _ c: Vector, _ d: inout Vector, _ e: Vector, _ f: Vector,
    _ g: Vector, _ h: inout Vector, _ constant: UInt32, _ word: Vector
  ) {
    let s1 = rotate(e, bigSigma1.0) ^ rotate(e, bigSigma1.1) ^ rotate(e, bigSigma1.2)
    let choice = g ^ (e & (f ^ g))
    let temp1 = h &+ s1 &+ choice &+ Vector(repeating: constant) &+ word
    let s0 = rotate(a, bigSigma0.0) ^ rotate(a, bigSigma0.1) ^ rotate(a, bigSigma0.2)
    let majority = (a & b) | (c & (a | b))
    d &+= temp1
    h = temp1 &+ s0 &+ majority
  }
}

/// The hash state of four messages, one per lane.
private struct LaneState {
  typealias Vector = SIMD4<UInt32>

  var h0 = Vector(repeating: 0x6a09_e667)
  var h1 = Vector(repeating: 0xbb67_ae85)
  var h2 = Vector(repeating: 0x3c6e_f372)
  var h3 = Vector(repeating: 0xa54f_f53a)
  var h4 = Vector(repeating: 0x510e_527f)
  var h5 = Vector(repeating: 0x9b05_688c)
  var h6 = Vector(repeating: 0x1f83_d9ab)
  var h7 = Vector(repeating: 0x5be0_cd19)
  var rotations = Rotations()

  /// Starts `lane` on a new message.
  mutating func reset(lane: Int) {
    h0[lane] = 0x6a09_e667
    h1[lane] = 0xbb67_ae85
    h2[lane] = 0x3c6e_f372
    h3[lane] = 0xa54f_f53a
    h4[lane] = 0x510e_527f
    h5[lane] = 0x9b05_688c
    h6[lane] = 0x1f83_d9ab
    h7[lane] = 0x5be0_cd19
  }

  /// The digest of the message `lane` has finished.
  func digest(lane: Int) -> SHA256Digest {
    SHA256Digest(
      word0: UInt64(h0[lane]) << 32 | UInt64(h1[lane]),
      word1: UInt64(h2[lane]) << 32 | UInt64(h3[lane]),
      word2: UInt64(h4[lane]) << 32 | UInt64(h5[lane]),
      word3: UInt64(h6[lane]) << 32 | UInt64(h7[lane]))
  }

  @inline(__always)
  private static func words(_ blocks: UnsafeRawPointer, _ index: Int) -> Vector {
    Vector(
      UInt32(bigEndian: blocks.loadUnaligned(fromByteOffset: index &* 4, as: UInt32.self)),
      UInt32(bigEndian: blocks.loadUnaligned(fromByteOffset: 64 &+ index &* 4, as: UInt32.self)),
      UInt32(bigEndian: blocks.loadUnaligned(fromByteOffset: 128 &+ index &* 4, as: UInt32.self)),
      UInt32(bigEndian: blocks.loadUnaligned(fromByteOffset: 192 &+ index &* 4, as: UInt32.self)))
  }

  /// Processes one block in each lane: lane `n`'s 64 bytes at `blocks + 64 * n`.
  @inline(never)
  mutating func compress(_ blocks: UnsafeRawPointer) {
    let r = rotations
    var w0 = LaneState.words(blocks, 0)
    var w1 = LaneState.words(blocks, 1)
    var w2 = LaneState.words(blocks, 2)
    var w3 = LaneState.words(blocks, 3)
    var w4 = LaneState.words(blocks, 4)
    var w5 = LaneState.words(blocks, 5)
    var w6 = LaneState.words(blocks, 6)
    var w7 = LaneState.words(blocks, 7)
    var w8 = LaneState.words(blocks, 8)
    var w9 = LaneState.words(blocks, 9)
    var w10 = LaneState.words(blocks, 10)
    var w11 = LaneState.words(blocks, 11)
    var w12 = LaneState.words(blocks, 12)
    var w13 = LaneState.words(blocks, 13)
    var w14 = LaneState.words(blocks, 14)
    var w15 = LaneState.words(blocks, 15)
    var a = h0
    var b = h1
    var c = h2
    var d = h3
    var e = h4
    var f = h5
    var g = h6
    var h = h7
    r.round(a, b, c, &d, e, f, g, &h, 0x428a_2f98, w0)
    r.round(h, a, b, &c, d, e, f, &g, 0x7137_4491, w1)
    r.round(g, h, a, &b, c, d, e, &f, 0xb5c0_fbcf, w2)
    r.round(f, g, h, &a, b, c, d, &e, 0xe9b5_dba5, w3)
    r.round(e, f, g, &h, a, b, c, &d, 0x3956_c25b, w4)
    r.round(d, e, f, &g, h, a, b, &c, 0x59f1_11f1, w5)
    r.round(c, d, e, &f, g, h, a, &b, 0x923f_82a4, w6)
    r.round(b, c, d, &e, f, g, h, &a, 0xab1c_5ed5, w7)
    r.round(a, b, c, &d, e, f, g, &h, 0xd807_aa98, w8)
    r.round(h, a, b, &c, d, e, f, &g, 0x1283_5b01, w9)
    r.round(g, h, a, &b, c, d, e, &f, 0x2431_85be, w10)
    r.round(f, g, h, &a, b, c, d, &e, 0x550c_7dc3, w11)
    r.round(e, f, g, &h, a, b, c, &d, 0x72be_5d74, w12)
    r.round(d, e, f, &g, h, a, b, &c, 0x80de_b1fe, w13)
    r.round(c, d, e, &f, g, h, a, &b, 0x9bdc_06a7, w14)
    r.round(b, c, d, &e, f, g, h, &a, 0xc19b_f174, w15)
    // Rounds 16 to 31: the schedule's next sixteen words, computed in place.
    w0 = r.expand(w0, w1, w9, w14)
    r.round(a, b, c, &d, e, f, g, &h, 0xe49b_69c1, w0)
    w1 = r.expand(w1, w2, w10, w15)
    r.round(h, a, b, &c, d, e, f, &g, 0xefbe_4786, w1)
    w2 = r.expand(w2, w3, w11, w0)
    r.round(g, h, a, &b, c, d, e, &f, 0x0fc1_9dc6, w2)
    w3 = r.expand(w3, w4, w12, w1)
    r.round(f, g, h, &a, b, c, d, &e, 0x240c_a1cc, w3)
    w4 = r.expand(w4, w5, w13, w2)
    r.round(e, f, g, &h, a, b, c, &d, 0x2de9_2c6f, w4)
    w5 = r.expand(w5, w6, w14, w3)
    r.round(d, e, f, &g, h, a, b, &c, 0x4a74_84aa, w5)
    w6 = r.expand(w6, w7, w15, w4)
    r.round(c, d, e, &f, g, h, a, &b, 0x5cb0_a9dc, w6)
    w7 = r.expand(w7, w8, w0, w5)
    r.round(b, c, d, &e, f, g, h, &a, 0x76f9_88da, w7)
    w8 = r.expand(w8, w9, w1, w6)
    r.round(a, b, c, &d, e, f, g, &h, 0x983e_5152, w8)
    w9 = r.expand(w9, w10, w2, w7)
    r.round(h, a, b, &c, d, e, f, &g, 0xa831_c66d, w9)
    w10 = r.expand(w10, w11, w3, w8)
    r.round(g, h, a, &b, c, d, e, &f, 0xb003_27c8, w10)
    w11 = r.expand(w11, w12, w4, w9)
    r.round(f, g, h, &a, b, c, d, &e, 0xbf59_7fc7, w11)
    w12 = r.expand(w12, w13, w5, w10)
    r.round(e, f, g, &h, a, b, c, &d, 0xc6e0_0bf3, w12)
    w13 = r.expand(w13, w14, w6, w11)
    r.round(d, e, f, &g, h, a, b, &c, 0xd5a7_9147, w13)
    w14 = r.expand(w14, w15, w7, w12)
    r.round(c, d, e, &f, g, h, a, &b, 0x06ca_6351, w14)
    w15 = r.expand(w15, w0, w8, w13)
    r.round(b, c, d, &e, f, g, h, &a, 0x1429_2967, w15)
    // Rounds 32 to 47: the schedule's next sixteen words, computed in place.
    w0 = r.expand(w0, w1, w9, w14)
    r.round(a, b, c, &d, e, f, g, &h, 0x27b7_0a85, w0)
    w1 = r.expand(w1, w2, w10, w15)
    r.round(h, a, b, &c, d, e, f, &g, 0x2e1b_2138, w1)
    w2 = r.expand(w2, w3, w11, w0)
    r.round(g, h, a, &b, c, d, e, &f, 0x4d2c_6dfc, w2)
    w3 = r.expand(w3, w4, w12, w1)
    r.round(f, g, h, &a, b, c, d, &e, 0x5338_0d13, w3)
    w4 = r.expand(w4, w5, w13, w2)
    r.round(e, f, g, &h, a, b, c, &d, 0x650a_7354, w4)
    w5 = r.expand(w5, w6, w14, w3)
    r.round(d, e, f, &g, h, a, b, &c, 0x766a_0abb, w5)
    w6 = r.expand(w6, w7, w15, w4)
    r.round(c, d, e, &f, g, h, a, &b, 0x81c2_c92e, w6)
    w7 = r.expand(w7, w8, w0, w5)
    r.round(b, c, d, &e, f, g, h, &a, 0x9272_2c85, w7)
    w8 = r.expand(w8, w9, w1, w6)
    r.round(a, b, c, &d, e, f, g, &h, 0xa2bf_e8a1, w8)
    w9 = r.expand(w9, w10, w2, w7)
    r.round(h, a, b, &c, d, e, f, &g, 0xa81a_664b, w9)
    w10 = r.expand(w10, w11, w3, w8)
    r.round(g, h, a, &b, c, d, e, &f, 0xc24b_8b70, w10)
    w11 = r.expand(w11, w12, w4, w9)
    r.round(f, g, h, &a, b, c, d, &e, 0xc76c_51a3, w11)
    w12 = r.expand(w12, w13, w5, w10)
    r.round(e, f, g, &h, a, b, c, &d, 0xd192_e819, w12)
    w13 = r.expand(w13, w14, w6, w11)
    r.round(d, e, f, &g, h, a, b, &c, 0xd699_0624, w13)
    w14 = r.expand(w14, w15, w7, w12)
    r.round(c, d, e, &f, g, h, a, &b, 0xf40e_3585, w14)
    w15 = r.expand(w15, w0, w8, w13)
    r.round(b, c, d, &e, f, g, h, &a, 0x106a_a070, w15)
    // Rounds 48 to 63: the schedule's next sixteen words, computed in place.
    w0 = r.expand(w0, w1, w9, w14)
    r.round(a, b, c, &d, e, f, g, &h, 0x19a4_c116, w0)
    w1 = r.expand(w1, w2, w10, w15)
    r.round(h, a, b, &c, d, e, f, &g, 0x1e37_6c08, w1)
    w2 = r.expand(w2, w3, w11, w0)
    r.round(g, h, a, &b, c, d, e, &f, 0x2748_774c, w2)
    w3 = r.expand(w3, w4, w12, w1)
    r.round(f, g, h, &a, b, c, d, &e, 0x34b0_bcb5, w3)
    w4 = r.expand(w4, w5, w13, w2)
    r.round(e, f, g, &h, a, b, c, &d, 0x391c_0cb3, w4)
    w5 = r.expand(w5, w6, w14, w3)
    r.round(d, e, f, &g, h, a, b, &c, 0x4ed8_aa4a, w5)
    w6 = r.expand(w6, w7, w15, w4)
    r.round(c, d, e, &f, g, h, a, &b, 0x5b9c_ca4f, w6)
    w7 = r.expand(w7, w8, w0, w5)
    r.round(b, c, d, &e, f, g, h, &a, 0x682e_6ff3, w7)
    w8 = r.expand(w8, w9, w1, w6)
    r.round(a, b, c, &d, e, f, g, &h, 0x748f_82ee, w8)
    w9 = r.expand(w9, w10, w2, w7)
    r.round(h, a, b, &c, d, e, f, &g, 0x78a5_636f, w9)
    w10 = r.expand(w10, w11, w3, w8)
    r.round(g, h, a, &b, c, d, e, &f, 0x84c8_7814, w10)
    w11 = r.expand(w11, w12, w4, w9)
    r.round(f, g, h, &a, b, c, d, &e, 0x8cc7_0208, w11)
    w12 = r.expand(w12, w13, w5, w10)
    r.round(e, f, g, &h, a, b, c, &d, 0x90be_fffa, w12)
    w13 = r.expand(w13, w14, w6, w11)
    r.round(d, e, f, &g, h, a, b, &c, 0xa450_6ceb, w13)
    w14 = r.expand(w14, w15, w7, w12)
    r.round(c, d, e, &f, g, h, a, &b, 0xbef9_a3f7, w14)
    w15 = r.expand(w15, w0, w8, w13)
    r.round(b, c, d, &e, f, g, h, &a, 0xc671_78f2, w15)
    h0 &+= a
    h1 &+= b
    h2 &+= c
    h3 &+= d
    h4 &+= e
    h5 &+= f
    h6 &+= g
    h7 &+= h
  }
}
