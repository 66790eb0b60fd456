extension ImportPlanning {
  /// Refuses a `;`-separated list of names (tellers, tags) in which a name holds a control
  /// character (see ``NameText``), naming the column and the character.
  ///
  /// The bytes are looked at first: names in any script without a control byte pass at
  /// once, so the check costs one pass over the field of the story's first row.
  func refuseControlCharacters(
    _ bytes: UnsafeBufferPointer<UInt8>, in column: ImportColumn
  ) throws(ImportError) {
    guard NameText.hasControl(bytes) else { return }
    // Spaces and tabs around a name are trimmed, as the list is read.
    for name in ImportPlanning.names(bytes) {
      if let problem = NameText.problem(in: name) {
        throw failure(column, value: name, reason: problem)
      }
    }
  }
}
