/// The coding of the values that are written as text (days, amounts, node paths,
/// quantities, timestamps, references): each is encoded as one string, its text, and
/// decoded from that string by its own parsing, which checks it.
extension Encoder {
  /// Encodes `text` as the single value being encoded.
  func encodeText(_ text: String) throws {
    var container = singleValueContainer()
    try container.encode(text)
  }
}

extension Decoder {
  /// The single string being decoded, for a value written as text to parse.
  func decodedText() throws -> String {
    try singleValueContainer().decode(String.self)
  }
}
