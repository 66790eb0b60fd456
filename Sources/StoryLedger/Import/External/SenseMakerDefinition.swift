import Foundation

/// A SenseMaker framework definition (the project definition JSON of the SenseMaker
/// platform): the signifiers whose ids name the data export's columns.
///
/// Read as the platform writes it and as the Cynefin Co's R tools save it:
/// - the top level has `id`, `name`, `fragment_signifier_id` (the free text holding the
///   story) and the signifiers, either in `signifiers` or in `sections[].signifiers`, plus those
///   of `linked_frameworks[].framework` (or of each linked framework object itself);
/// - a scalar may be wrapped in a one-element array (`"id": ["b1ad…"]`);
/// - an empty container may be an empty object where an array is expected (`"items": {}`);
/// - titles are HTML: tags are removed and the common entities decoded.
///
/// Each signifier has `id`, `type`, `title`, `allow_na`, `fragment` and `content`: for a
/// `triad`, `labels` (top, left, right); for a `dyad`, `labels` (left, right); for a `list`,
/// `items` (`id`, `title`) and `max_responses` (1: single select); for `stones`, `stones`
/// (`id`, `title`) and `axis` (`x`, `y`: `name`, `start_label`, `end_label`).
struct SenseMakerDefinition {
  /// An anchor, list item or stone: an id and its text.
  struct Label {
    var id: String
    var text: String
  }

  /// An axis of a stones canvas.
  struct Axis {
    var name: String
    var startLabel: String?
    var endLabel: String?
  }

  /// One signifier.
  struct Signifier {
    var id: String
    /// The type as written (`triad`, `dyad`, `list`, `stones`, `freetext`…).
    var type: String
    /// The title, as plain text (the id when it has none).
    var title: String
    var allowsNA: Bool
    /// Whether the definition marks it as a story (fragment) free text.
    var isFragment: Bool
    /// Triad (top, left, right) or dyad (left, right) anchors.
    var labels: [Label]
    /// List items.
    var items: [Label]
    /// The most items a list accepts (1: single select).
    var maxResponses: Int?
    /// Stones.
    var stones: [Label]
    /// A stones canvas's x and y axes.
    var axes: (x: Axis, y: Axis)?
  }

  /// The framework's id (the export's `project_id`).
  var id: String?
  /// The framework's name.
  var name: String?
  /// The id of the free-text signifier that holds the story.
  var fragmentSignifierID: String?
  /// Every signifier, in definition order.
  var signifiers: [Signifier]

  /// Reads a definition.
  ///
  /// - Throws: ``ImportError`` naming `fileName` when the bytes are not a JSON object, or hold
  ///   no signifiers.
  init(bytes: [UInt8], fileName: String) throws(ImportError) {
    let object: Any
    do {
      object = try JSONSerialization.jsonObject(with: Data(bytes), options: [])
    } catch {
      throw ImportError(
        file: fileName,
        reason:
          "is not valid JSON (\(ImportError.jsonProblem(error))); give the framework definition JSON of the project"
      )
    }
    guard let top = SenseMakerDefinition.unwrap(object) as? [String: Any] else {
      throw ImportError(
        file: fileName, reason: "is not a JSON object; give the framework definition JSON")
    }
    id = SenseMakerDefinition.string(top["id"])
    name = SenseMakerDefinition.string(top["name"])
    fragmentSignifierID = SenseMakerDefinition.string(top["fragment_signifier_id"])
    var found: [Signifier] = []
    for raw in SenseMakerDefinition.signifierObjects(in: top) {
      guard let signifier = SenseMakerDefinition.signifier(raw) else { continue }
      if !found.contains(where: { $0.id == signifier.id }) { found.append(signifier) }
    }
    guard !found.isEmpty else {
      throw ImportError(
        file: fileName,
        reason:
          "has no signifiers (neither \"signifiers\" nor \"sections\" with signifiers); it is not a SenseMaker framework definition"
      )
    }
    signifiers = found
  }

  /// The signifier objects of a framework object and of its linked frameworks.
  static func signifierObjects(in framework: [String: Any]) -> [[String: Any]] {
    var result = array(framework["signifiers"]).compactMap { $0 as? [String: Any] }
    for section in array(framework["sections"]) {
      guard let section = section as? [String: Any] else { continue }
      result += array(section["signifiers"]).compactMap { $0 as? [String: Any] }
    }
    for linked in array(framework["linked_frameworks"]) {
      guard let linked = linked as? [String: Any] else { continue }
      let inner = unwrap(linked["framework"] as Any) as? [String: Any] ?? linked
      result += signifierObjects(in: inner)
    }
    return result
  }

  static func signifier(_ raw: [String: Any]) -> Signifier? {
    guard let id = string(raw["id"]), !id.isEmpty else { return nil }
    let type = string(raw["type"]) ?? ""
    let content = unwrap(raw["content"] as Any) as? [String: Any] ?? [:]
    let title = plainText(string(raw["title"]) ?? "")
    var axes: (x: Axis, y: Axis)?
    if let axis = unwrap(content["axis"] as Any) as? [String: Any] {
      axes = (self.axis(axis["x"], default: "X"), self.axis(axis["y"], default: "Y"))
    }
    return Signifier(
      id: id, type: type, title: title.isEmpty ? id : title,
      allowsNA: bool(raw["allow_na"]), isFragment: bool(raw["fragment"]),
      labels: labels(content["labels"], textKeys: ["text", "title"]),
      items: labels(content["items"], textKeys: ["title", "text"]),
      maxResponses: int(content["max_responses"]),
      stones: labels(content["stones"], textKeys: ["title", "text"]),
      axes: axes)
  }

  static func axis(_ raw: Any?, default name: String) -> Axis {
    let object = unwrap(raw as Any) as? [String: Any] ?? [:]
    let given = plainText(string(object["name"]) ?? "")
    return Axis(
      name: given.isEmpty ? name : given,
      startLabel: string(object["start_label"]).map(plainText),
      endLabel: string(object["end_label"]).map(plainText))
  }

  static func labels(_ raw: Any?, textKeys: [String]) -> [Label] {
    array(raw).compactMap { element in
      guard let object = element as? [String: Any], let id = string(object["id"]) else {
        return nil
      }
      let text = textKeys.lazy.compactMap { string(object[$0]) }.first.map(plainText) ?? ""
      return Label(id: id, text: text.isEmpty ? id : text)
    }
  }

  // MARK: Lenient JSON values

  /// A one-element array's element; anything else as it is.
  static func unwrap(_ value: Any) -> Any {
    if let array = value as? [Any], array.count == 1 { return array[0] }
    return value
  }

  /// An array, or empty for an empty object, `null` or a missing key.
  static func array(_ value: Any?) -> [Any] {
    guard let value else { return [] }
    if let array = value as? [Any] { return array }
    if value is [String: Any] { return [] }
    return []
  }

  static func string(_ value: Any?) -> String? {
    guard let value else { return nil }
    switch unwrap(value) {
    case let text as String: return text
    case let number as NSNumber: return number.stringValue
    default: return nil
    }
  }

  static func int(_ value: Any?) -> Int? {
    guard let value else { return nil }
    switch unwrap(value) {
    case let number as NSNumber: return number.intValue
    case let text as String: return Int(text)
    default: return nil
    }
  }

  static func bool(_ value: Any?) -> Bool {
    guard let value else { return false }
    switch unwrap(value) {
    case let number as NSNumber: return number.boolValue
    case let text as String: return ExternalValues.boolean(text) ?? false
    default: return false
    }
  }

  /// `html` without tags, with `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#39;`, `&apos;` and
  /// `&nbsp;` decoded and runs of white space made one space.
  static func plainText(_ html: String) -> String {
    var text = ""
    var inTag = false
    for character in html {
      if character == "<" {
        inTag = true
        text.append(" ")
      } else if character == ">" && inTag {
        inTag = false
      } else if !inTag {
        text.append(character)
      }
    }
    let entities = [
      ("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"),
      ("&apos;", "'"), ("&amp;", "&"),
    ]
    for (entity, replacement) in entities {
      text = text.replacingOccurrences(of: entity, with: replacement)
    }
    return text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
  }
}
