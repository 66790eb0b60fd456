/// The value that a string literal written in the program spells, parsed by `parse`: the
/// one body of the `init(stringLiteral:)` of ``Day``, ``DateRange``, ``NodePath`` and
/// ``Quantity``.
///
/// A literal is part of the program, not input: one that does not parse is a programming
/// error and stops the program, saying which literal (`the date literal "2026-02-30"`) and
/// why. Text from elsewhere goes through the throwing `init(parsing:field:)` instead.
func parsedLiteral<Value>(
  _ literal: StaticString, _ what: String, _ parse: (String) throws -> Value
) -> Value {
  let text = literal.description
  do {
    return try parse(text)
  } catch {
    preconditionFailure("the \(what) literal \"\(text)\" is invalid: \(error)")
  }
}
