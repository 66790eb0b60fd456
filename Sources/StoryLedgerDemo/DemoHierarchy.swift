import Foundation
import StoryLedger

/// The fixed hierarchy of the demo corpus: one national node, seven regions, 302
/// organisations and 2,000 teams (2,310 nodes).
///
/// The hierarchy does not depend on the number of rows or on the seed, so a small demo
/// shows the same shape as the benchmark corpus. It is built once from a fixed seed.
struct DemoHierarchy {
  /// A region with the places its organisations are named after.
  struct Region {
    let slug: String
    let organisationCount: Int
    let places: [String]
  }

  /// An organisation: its path and the paths of its teams.
  struct Organisation {
    let region: Int
    let path: String
    let teamPaths: [String]
  }

  /// The national node's path.
  static let nationalPath = "nhs"

  /// The seven regions, with how many organisations each holds (302 in all).
  static let regions: [Region] = [
    Region(
      slug: "north-east-and-yorkshire", organisationCount: 48,
      places: [
        "newcastle", "sunderland", "durham", "middlesbrough", "leeds", "bradford", "sheffield",
        "hull", "york", "wakefield", "harrogate", "scarborough", "doncaster", "barnsley",
      ]),
    Region(
      slug: "north-west", organisationCount: 46,
      places: [
        "manchester", "liverpool", "preston", "blackpool", "bolton", "wigan", "lancaster",
        "carlisle", "chester", "stockport", "oldham", "salford", "warrington", "kendal",
      ]),
    Region(
      slug: "midlands", organisationCount: 52,
      places: [
        "birmingham", "coventry", "nottingham", "leicester", "derby", "stoke", "wolverhampton",
        "lincoln", "shrewsbury", "worcester", "hereford", "walsall", "northampton", "mansfield",
      ]),
    Region(
      slug: "east-of-england", organisationCount: 40,
      places: [
        "norwich", "cambridge", "ipswich", "peterborough", "luton", "chelmsford", "colchester",
        "bedford", "kings-lynn", "southend", "watford", "stevenage", "great-yarmouth", "harlow",
      ]),
    Region(
      slug: "london", organisationCount: 46,
      places: [
        "whitechapel", "camden", "hackney", "lewisham", "croydon", "ealing", "barnet", "newham",
        "tower-hamlets", "southwark", "lambeth", "brent", "harrow", "kingston",
      ]),
    Region(
      slug: "south-east", organisationCount: 40,
      places: [
        "brighton", "oxford", "reading", "portsmouth", "southampton", "canterbury", "maidstone",
        "guildford", "milton-keynes", "hastings", "basingstoke", "slough", "ashford", "banbury",
      ]),
    Region(
      slug: "south-west", organisationCount: 30,
      places: [
        "bristol", "plymouth", "exeter", "bath", "gloucester", "swindon", "truro", "taunton",
        "bournemouth", "dorchester", "cheltenham", "torbay", "yeovil", "barnstaple",
      ]),
  ]

  /// The number of teams across all organisations.
  static let teamCount = 2_000

  /// How organisations are named: `{}` stands for a place.
  private static let organisationPatterns = [
    "{}-teaching-hospitals", "{}-community-health", "{}-mental-health", "royal-{}-hospital",
    "{}-medical-practice", "{}-health-centre", "{}-hospice", "{}-gp-federation",
    "royal-{}-infirmary", "{}-family-practice", "{}-pharmacy", "{}-care-partnership",
  ]

  /// Named teams; organisations also have numbered `team-NN` and `ward-NN` teams.
  private static let teamNames = [
    "maternity", "district-nursing", "frailty", "stroke-unit", "emergency-department",
    "paediatrics", "pharmacy", "physiotherapy", "occupational-therapy", "reception", "estates",
    "catering", "health-visitors", "diabetes", "mental-health-liaison", "theatres", "radiology",
    "outpatients", "discharge-lounge", "community-midwives", "care-navigators", "critical-care",
    "cardiology", "respiratory", "dermatology", "audiology", "speech-and-language", "dietetics",
    "sexual-health", "school-nursing", "hospice-at-home", "palliative-care", "infection-control",
    "patient-experience", "chaplaincy", "porters", "volunteers", "learning-disability-liaison",
    "tîm-cymraeg", "medical-records",
  ]

  /// All organisations, region by region.
  let organisations: [Organisation]
  /// The indexes into ``organisations`` of each region's organisations.
  let organisationsByRegion: [[Int]]

  /// The node paths of the regions.
  var regionPaths: [String] { Self.regions.map { "\(Self.nationalPath)/\($0.slug)" } }

  /// The number of nodes: national, regions, organisations and teams.
  var nodeCount: Int { 1 + Self.regions.count + organisations.count + Self.teamCount }

  /// The hierarchy, built deterministically.
  static let shared = DemoHierarchy()

  private init() {
    var random = DemoRandom(seed: 0x5354_4F52_594C_4544)
    let organisationCount = Self.regions.reduce(0) { $0 + $1.organisationCount }
    // Team counts: 2 to 12 per organisation, adjusted to sum to exactly `teamCount`.
    var teamCounts = (0..<organisationCount).map { _ in random.inRange(3...10) }
    var surplus = teamCounts.reduce(0, +) - Self.teamCount
    while surplus != 0 {
      let index = random.below(organisationCount)
      if surplus > 0, teamCounts[index] > 2 {
        teamCounts[index] -= 1
        surplus -= 1
      } else if surplus < 0, teamCounts[index] < 12 {
        teamCounts[index] += 1
        surplus += 1
      }
    }
    var organisations: [Organisation] = []
    var byRegion: [[Int]] = []
    var usedNames = Set<String>()
    var trustNumber = 1
    var practiceNumber = 100
    for (regionIndex, region) in Self.regions.enumerated() {
      var indexes: [Int] = []
      for _ in 0..<region.organisationCount {
        var name = ""
        while name.isEmpty || usedNames.contains(name) {
          switch random.below(10) {
          case 0:
            name = "trust-" + Self.padded(trustNumber, width: 2)
            trustNumber += 1
          case 1:
            name = "practice-" + Self.padded(practiceNumber, width: 3)
            practiceNumber += 1 + random.below(7)
          default:
            let pattern = Self.organisationPatterns[random.below(Self.organisationPatterns.count)]
            let place = region.places[random.below(region.places.count)]
            name = pattern.replacingPlaceholder(with: place)
          }
        }
        usedNames.insert(name)
        let path = "\(Self.nationalPath)/\(region.slug)/\(name)"
        let teams = Self.teamNames(count: teamCounts[organisations.count], random: &random)
        indexes.append(organisations.count)
        organisations.append(
          Organisation(region: regionIndex, path: path, teamPaths: teams.map { "\(path)/\($0)" }))
      }
      byRegion.append(indexes)
    }
    self.organisations = organisations
    self.organisationsByRegion = byRegion
  }

  /// `count` distinct team names for one organisation.
  private static func teamNames(count: Int, random: inout DemoRandom) -> [String] {
    var names: [String] = []
    var used = Set<String>()
    while names.count < count {
      let name: String
      switch random.below(5) {
      case 0: name = "team-" + padded(1 + random.below(40), width: 2)
      case 1: name = "ward-" + String(1 + random.below(30)) + (random.chance(30) ? "b" : "")
      default: name = teamNames[random.below(teamNames.count)]
      }
      if used.insert(name).inserted { names.append(name) }
    }
    return names
  }

  private static func padded(_ value: Int, width: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
  }
}

extension String {
  /// The pattern with its `{}` replaced by `value`.
  fileprivate func replacingPlaceholder(with value: String) -> String {
    guard let range = range(of: "{}") else { return self }
    return replacingCharacters(in: range, with: value)
  }
}
