import Foundation
import StoryLedger

/// The phrase banks the demo corpus is written from: improvement topics in the spirit of
/// NHS Change Day pledges, item templates, evidence, tellers and narratives in several
/// languages.
///
/// These are plain strings; ``DemoText`` compiles them once into escaped CSV bytes.
enum DemoPhrases {
  /// A kind of value item a story about a topic can hold.
  struct ItemTemplate {
    /// The item key within its story.
    let key: String
    let dimension: Dimension
    let description: String
    /// The unit of the quantity, or `nil` when the item has no quantity.
    let unit: String?
    /// The range of plausible quantities, in whole units.
    let quantity: ClosedRange<Int>
    /// Whether quantities carry one decimal (hours, tonnes).
    let isFractional: Bool
    /// The proxy value of one unit, in pence; 0 when the item is not monetised.
    let unitValue: Int64

    /// A counted item (capacitating or calculating).
    static func counted(
      _ key: String, _ dimension: Dimension, _ description: String, unit: String,
      _ quantity: ClosedRange<Int>, pence: Int64 = 0, isFractional: Bool = false
    ) -> ItemTemplate {
      ItemTemplate(
        key: key, dimension: dimension, description: description, unit: unit,
        quantity: quantity, isFractional: isFractional, unitValue: pence)
    }

    /// A judgement: a calibrating item carried mostly by its weight.
    static func judged(_ key: String, _ description: String) -> ItemTemplate {
      ItemTemplate(
        key: key, dimension: .calibrating, description: description, unit: nil,
        quantity: 0...0, isFractional: false, unitValue: 0)
    }
  }

  /// An improvement that stories are told about.
  struct Topic {
    /// The name other languages' themed phrases refer to the topic by.
    let key: String
    let titles: [String]
    /// `;`-separated tags.
    let tags: String
    let firstTellings: [String]
    let retellings: [String]
    let items: [ItemTemplate]
  }

  /// A phrase about one topic (by its key), or about any topic when `topic` is `nil`.
  struct Themed {
    let topic: String?
    let text: String

    /// A phrase about the topic called `topic`.
    static func on(_ topic: String, _ text: String) -> Themed { Themed(topic: topic, text: text) }
    /// A phrase that fits any topic.
    static func any(_ text: String) -> Themed { Themed(topic: nil, text: text) }
  }

  /// A language stories are told in, with its own titles, narratives and tellers.
  ///
  /// A story in a language other than English takes its topic from its title, and its
  /// narratives from the phrases on that topic or on any topic.
  struct Language {
    let weight: Int
    /// Titles, each on a topic; empty for English, whose titles come from the topic.
    let titles: [Themed]
    let firstTellings: [Themed]
    let retellings: [Themed]
    let tellers: [String]
    /// A tag added to some stories in this language.
    let tag: String?
  }

  static let topics: [Topic] = [
    Topic(
      key: "hello",
      titles: [
        "Hello my name is", "#hellomynameis on every ward round",
        "Introducing ourselves, every time",
      ],
      tags: "hellomynameis;patient-experience;compassion",
      firstTellings: [
        "We pledged to introduce ourselves by name to every patient, every time, before anything else.",
        "Each of us now wears a badge people can read from the bed, and we say \"hello, my name is\" first.",
        "The porters started it, the nurses followed, and by Friday the consultants were doing it too.",
      ],
      retellings: [
        "Patients tell us they know who is caring for them, and complaints about communication have fallen.",
        "New starters learn it on their first day; it is how we work now, not a campaign.",
      ],
      items: [
        .counted(
          "staff-signed-up", .capacitating, "Staff who signed up to introduce themselves",
          unit: "people", 8...60),
        .judged(
          "knowing-who-cares", "Patients rate knowing who is caring for them above waiting times"),
        .counted(
          "complaints-avoided", .calculating, "Complaints about communication avoided",
          unit: "complaints", 2...15, pence: 45_000),
        .counted(
          "badges", .capacitating, "Readable name badges handed out", unit: "badges", 20...200),
      ]),
    Topic(
      key: "appointments",
      titles: [
        "Fewer missed appointments", "Text reminders cut our DNA rate",
        "Ringing patients the day before",
      ],
      tags: "appointments;access;outpatients",
      firstTellings: [
        "We started texting patients two days before their appointment, and offering to rebook there and then.",
        "Our did-not-attend rate was 11%, and every empty slot is someone else who waited longer.",
        "Reception staff ring anyone who has missed twice, to ask what would make it easier to come.",
      ],
      retellings: [
        "The did-not-attend rate is now under 7%, and the freed slots went to the longest waiters.",
        "Some people had no bus fare or no one to mind the children; we now book them first or last in the day.",
      ],
      items: [
        .counted(
          "dna-avoided", .calculating, "Missed appointments avoided", unit: "appointments",
          20...400, pence: 12_000),
        .counted(
          "reminder-rota", .capacitating, "Reception staff trained to run the reminder rota",
          unit: "people", 2...12),
        .judged("rebook-first", "Chose to rebook on the call rather than send a letter"),
        .counted(
          "clinic-hours", .calculating, "Clinic hours released", unit: "hours", 10...200,
          pence: 6_550, isFractional: true),
      ]),
    Topic(
      key: "falls",
      titles: [
        "Falls prevention on the night shift", "Fewer falls, safer nights",
        "Bay nursing to prevent falls",
      ],
      tags: "falls;patient-safety;older-people",
      firstTellings: [
        "We pledged to nurse patients at risk of falling in a bay with a nurse always present, and to check footwear and glasses at every handover.",
        "Night shifts were when most falls happened, so that is where we started.",
      ],
      retellings: [
        "We have gone 140 days without a fall with harm on the ward.",
        "Families now bring in slippers with grips; we ask them about it at admission.",
      ],
      items: [
        .counted(
          "falls-avoided", .calculating, "Inpatient falls avoided", unit: "falls", 2...30,
          pence: 260_000),
        .counted(
          "bed-days-saved", .calculating, "Bed days saved from shorter stays after falls",
          unit: "bed days", 5...120, pence: 34_500),
        .counted(
          "falls-champions", .capacitating, "Falls champions trained on the ward", unit: "people",
          2...10),
        .judged("night-checks", "Chose hourly night checks over end-of-shift paperwork"),
      ]),
    Topic(
      key: "pj",
      titles: ["End PJ paralysis", "Up, dressed and moving", "#EndPJparalysis for 70 days"],
      tags: "endpjparalysis;frailty;mobility",
      firstTellings: [
        "We pledged to get patients up, dressed and moving by eleven every morning, in their own clothes where they can.",
        "A physiotherapist showed us how much strength an older person loses in ten days in bed.",
      ],
      retellings: [
        "Patients go home stronger, and families see their mum or dad again, not a patient.",
        "The League of Friends now keeps a rail of clean clothes for anyone who came in with nothing.",
      ],
      items: [
        .counted(
          "bed-days-saved", .calculating, "Length of stay reduced", unit: "bed days", 10...300,
          pence: 34_500),
        .counted(
          "clothes-bank", .capacitating, "Clothes donated to the ward's clothes bank",
          unit: "items", 20...150, pence: 500),
        .judged("independence", "Independence valued over speed of care"),
      ]),
    Topic(
      key: "dementia",
      titles: ["A dementia-friendly ward", "This is me", "Dementia Friends on every shift"],
      tags: "dementia;carers;environment",
      firstTellings: [
        "We pledged to fill in a \"This is me\" form with every person living with dementia, and to paint bay doors in colours people remember.",
        "Every member of the team, including the cleaners, did the Dementia Friends session.",
      ],
      retellings: [
        "Sedation at night has dropped, and carers say they are treated as partners.",
        "A man who had not spoken for a week sang along when we played the music on his form.",
      ],
      items: [
        .counted(
          "dementia-friends", .capacitating, "Staff who became Dementia Friends", unit: "people",
          10...80),
        .counted(
          "sedation-avoided", .calculating, "Nights without sedation", unit: "nights", 10...200,
          pence: 3_820),
        .judged("carers-as-partners", "Carers treated as partners in care"),
        .counted(
          "this-is-me", .calculating, "\"This is me\" forms completed", unit: "forms", 5...150),
      ]),
    Topic(
      key: "hydration",
      titles: ["Drink rounds", "Hydration matters", "Water within reach"],
      tags: "hydration;nutrition;care-homes",
      firstTellings: [
        "We pledged to offer a drink every hour, with a coloured cup for people who need help to drink.",
        "Residents were coming into hospital dehydrated, with infections we could have prevented.",
      ],
      retellings: [
        "Urinary infections among our residents have halved, and so have the admissions they used to cause.",
        "The tea trolley is now a social event; people drink more when they drink together.",
      ],
      items: [
        .counted(
          "utis-avoided", .calculating, "Urinary tract infections avoided", unit: "infections",
          2...40, pence: 162_200),
        .counted(
          "admissions-avoided", .calculating, "Hospital admissions avoided", unit: "admissions",
          1...15, pence: 245_000),
        .counted(
          "hydration-champions", .capacitating, "Hydration champions in care homes", unit: "people",
          3...25),
        .judged("little-and-often", "Residents prefer little and often to a full jug"),
      ]),
    Topic(
      key: "green",
      titles: ["Greener theatres", "Reuse before we bin", "Cycle to work week"],
      tags: "net-zero;sustainability;estates",
      firstTellings: [
        "We pledged to switch to reusable gowns and trays in theatre, and to stop using desflurane for good.",
        "The bins in theatre filled three times a day; most of what went in had never touched a patient.",
      ],
      retellings: [
        "The waste contractor collects half as many bags, and the savings paid for a second reusable set.",
        "Other theatres copied our list; the anaesthetists now compare gas use every month.",
      ],
      items: [
        .counted(
          "co2-avoided", .calculating, "Carbon emissions avoided", unit: "tonnes CO2e", 1...60,
          pence: 25_000, isFractional: true),
        .counted(
          "waste-reduced", .calculating, "Clinical waste reduced", unit: "kg", 100...5_000,
          pence: 85),
        .counted(
          "green-team", .capacitating, "Green team members across departments", unit: "people",
          4...30),
        .judged("reuse-over-convenience", "Chose reuse over convenience where it is safe"),
      ]),
    Topic(
      key: "wellbeing",
      titles: ["A wobble room for staff", "Take your break", "Schwartz rounds every month"],
      tags: "staff-wellbeing;retention;culture",
      firstTellings: [
        "We pledged that everyone takes their break, and we turned a store cupboard into a quiet room to step away after hard moments.",
        "After a bad winter, half the team said they were thinking of leaving.",
      ],
      retellings: [
        "Sickness absence is down, and two nurses who planned to leave have stayed.",
        "The quiet room is used every shift; someone left a thank-you card in it for whoever needs it next.",
      ],
      items: [
        .counted(
          "sickness-days-avoided", .calculating, "Sickness absence days avoided", unit: "days",
          10...300, pence: 18_000),
        .counted(
          "leavers-retained", .calculating, "Staff who stayed after planning to leave",
          unit: "people", 1...6, pence: 1_200_000),
        .counted(
          "peer-supporters", .capacitating, "Trained peer supporters", unit: "people", 2...20),
        .judged("breaks-protected", "Breaks protected even on busy shifts"),
      ]),
    Topic(
      key: "carers",
      titles: ["A carers' passport", "Open visiting for carers", "John's Campaign on our ward"],
      tags: "carers;johns-campaign;visiting",
      firstTellings: [
        "We pledged to welcome carers at any time of day, with a passport that gives them free parking and a meal.",
        "A daughter was sent home at eight o'clock while her father, who has dementia, called for her all night.",
      ],
      retellings: [
        "Carers tell us they feel part of the team, and delayed discharges have fallen because they plan with us."
      ],
      items: [
        .counted(
          "carers-registered", .capacitating, "Carers holding a passport", unit: "carers", 10...250),
        .counted(
          "delays-avoided", .calculating, "Delayed discharge days avoided", unit: "bed days",
          5...120, pence: 34_500),
        .judged("carer-voice", "Carers' knowledge valued in care planning"),
        .counted(
          "parking-waived", .calculating, "Parking charges waived for carers", unit: "permits",
          20...400, pence: 350),
      ]),
    Topic(
      key: "medicines",
      titles: ["Protected medication rounds", "Do not disturb: drug round", "Fewer missed doses"],
      tags: "medicines;patient-safety;pharmacy",
      firstTellings: [
        "We pledged that nobody interrupts a nurse in a red tabard doing the drug round, unless it is an emergency.",
        "A patient with Parkinson's went without a dose for six hours, and we all felt it.",
      ],
      retellings: [
        "Missed and late doses of time-critical medicines have fallen sharply.",
        "Doctors now wait for the round to finish; the ward clerk takes the calls.",
      ],
      items: [
        .counted(
          "errors-avoided", .calculating, "Medication errors avoided", unit: "errors", 3...60,
          pence: 85_000),
        .counted(
          "doses-on-time", .calculating, "Time-critical doses given on time that used to be late",
          unit: "doses", 10...300, pence: 4_500),
        .counted(
          "pharmacist-huddles", .capacitating, "Huddles joined by the ward pharmacist",
          unit: "sessions", 10...200),
        .judged("round-first", "Agreed that the drug round matters more than the phone"),
      ]),
    Topic(
      key: "discharge",
      titles: ["Home for lunch", "Discharge before noon", "Red to green days"],
      tags: "discharge;flow;frailty",
      firstTellings: [
        "We pledged to plan each discharge from the day of admission, and to get people home before lunch with their medicines ready.",
        "Every morning we ask of each patient: is today a red day or a green day for them?",
      ],
      retellings: [
        "Morning discharges went from one in ten to one in three, and the emergency department waits less for beds."
      ],
      items: [
        .counted(
          "bed-days-released", .calculating, "Bed days released", unit: "bed days", 20...500,
          pence: 34_500),
        .counted(
          "discharge-coordinators", .capacitating, "Nurses trained as discharge coordinators",
          unit: "people", 1...8),
        .judged("red-green", "Every day judged red or green from the patient's side"),
        .counted(
          "handover-hours", .calculating, "Ambulance handover hours saved", unit: "hours", 5...150,
          pence: 16_000, isFractional: true),
      ]),
    Topic(
      key: "learning-disability",
      titles: [
        "Easy-read letters", "Reasonable adjustments, every time",
        "Hospital passports for people with a learning disability",
      ],
      tags: "learning-disability;accessibility;health-inequalities",
      firstTellings: [
        "We pledged to send easy-read appointment letters, and to offer the first or last appointment of the day to anyone who finds waiting rooms hard.",
        "Self-advocates from the local group rewrote our letters with us, line by line.",
      ],
      retellings: [
        "Annual health checks for people with a learning disability went up, and so did attendance."
      ],
      items: [
        .counted(
          "health-checks", .calculating, "Extra annual health checks completed", unit: "checks",
          10...200, pence: 14_000),
        .counted(
          "easy-read-leaflets", .capacitating, "Easy-read leaflets written with self-advocates",
          unit: "leaflets", 3...40),
        .judged("adjustments", "Reasonable adjustments agreed with each person"),
      ]),
    Topic(
      key: "walking",
      titles: [
        "Walking for health", "A community garden at the surgery",
        "Social prescribing for loneliness",
      ],
      tags: "social-prescribing;loneliness;community",
      firstTellings: [
        "We pledged to start a weekly walk from the surgery car park, led by a receptionist and a retired postman.",
        "So many appointments were really about loneliness that we wanted to offer something else.",
      ],
      retellings: [
        "Some walkers come every week; GP appointments among them fell by a quarter.",
        "The walkers planted a garden behind the surgery, and the vegetables go to the food bank.",
      ],
      items: [
        .counted("walkers", .capacitating, "Regular walkers", unit: "people", 5...60),
        .counted(
          "gp-appointments-avoided", .calculating, "GP appointments avoided", unit: "appointments",
          10...300, pence: 4_200),
        .judged("connection", "Connection valued as much as exercise"),
        .counted("walk-leaders", .capacitating, "Volunteer walk leaders", unit: "people", 1...8),
      ]),
    Topic(
      key: "sepsis",
      titles: ["Sepsis six within the hour", "Think sepsis", "Screening for sepsis at triage"],
      tags: "sepsis;patient-safety;emergency-care",
      firstTellings: [
        "We pledged to screen every adult with a fever or a high NEWS score for sepsis at triage, and to give antibiotics within the hour."
      ],
      retellings: [
        "Antibiotics within an hour went from 54% to 91% of patients with sepsis.",
        "The screening tool now pops up in the electronic record, so nobody has to remember it.",
      ],
      items: [
        .counted(
          "icu-days-avoided", .calculating, "Intensive care days avoided", unit: "ICU days", 2...40,
          pence: 185_000),
        .counted(
          "sepsis-trainers", .capacitating, "Staff trained to teach sepsis screening",
          unit: "people", 2...15),
        .judged("treat-first", "Treat first, confirm later: agreed by the whole team"),
      ]),
  ]

  /// Items any story can hold, whatever its topic.
  static let commonItems: [ItemTemplate] = [
    .counted(
      "new-connections", .capacitating, "New connections with teams outside ours",
      unit: "connections", 1...20),
    .counted("pledgers", .capacitating, "Colleagues who joined the pledge", unit: "people", 2...80),
    .judged("pride", "Pride and joy in our work"),
    .judged("patient-voice", "Patients' views shaped what we did next"),
    .counted(
      "staff-time", .calculating, "Staff time released", unit: "hours", 5...400, pence: 3_420,
      isFractional: true),
    .counted(
      "volunteer-hours", .calculating, "Volunteer hours given", unit: "hours", 10...600,
      pence: 1_090, isFractional: true),
  ]

  /// English openers of a first telling.
  static let openers = [
    "We made this pledge on Change Day.",
    "It started with a conversation over a cup of tea at handover.",
    "A patient's complaint made us stop and think.",
    "Our healthcare assistants came up with this, not the managers.",
    "Nobody asked us to do this; we just wanted to.",
    "We tried it for a month first, on one shift, to see if it worked.",
  ]

  /// English openers of a retelling.
  static let retellingOpeners = [
    "Three months on, we told this story again at the team huddle.",
    "Retold at the organisation's listening event.",
    "Six months later, here is what changed.",
    "A year on, the story has moved on.",
    "We retold this at the regional network, and others wanted to copy it.",
  ]

  /// Things people said, quoted in English narratives.
  static let quotes = [
    "One patient said, \"nobody has ever asked me that before.\"",
    "A daughter wrote to us: \"you gave me my mum back.\"",
    "A porter put it best: \"it costs nothing and it changes everything.\"",
  ]

  /// English closing sentences.
  static let closers = [
    "We would like other teams to join us.",
    "Next, we want to spread it across the whole organisation.",
    "The hardest part was keeping it going after the first month.",
    "Some of the value is still invisible: we know it is there, but we cannot show it yet.",
  ]

  /// English tellers (some with commas, some teams).
  static let englishTellers = [
    "Aisha Khan", "Tom Reed", "Grace Okafor", "Siobhan O'Neill", "Priya Patel", "Mohammed Hussain",
    "Emma Clarke", "Chinedu Eze", "Sarah Thompson", "James Walker", "Fatima Begum", "Hannah Lewis",
    "Ward 7 team", "Patel, Priya (ward sister)", "The night staff", "Reception team",
    "Dr Owen Hughes", "Jo Williams and the district nurses",
  ]

  /// The languages stories are told in, English first.
  static let languages: [Language] = [
    Language(
      weight: 70, titles: [], firstTellings: [], retellings: [], tellers: englishTellers, tag: nil),
    Language(
      weight: 6,
      titles: [
        .on("hello", "Helo, fy enw i yw"), .on("appointments", "Llai o apwyntiadau a gollwyd"),
        .on("falls", "Atal cwympiadau ar y ward"), .on("hello", "Gofal drwy gyfrwng y Gymraeg"),
        .on("pj", "Codi, gwisgo a symud"), .on("carers", "Paned a sgwrs i ofalwyr"),
      ],
      firstTellings: [
        .on(
          "hello", "Gwnaethon ni addewid i gyflwyno ein hunain wrth ein henwau i bob claf, bob tro."
        ),
        .on("hello", "Mae cleifion yn cael siarad Cymraeg gyda ni heb orfod gofyn."),
        .on("appointments", "Rydyn ni'n ffonio cleifion ddau ddiwrnod cyn eu hapwyntiad."),
        .on(
          "falls", "Gwnaethon ni addewid i wirio esgidiau a sbectol pob claf ar bob newid shifft."),
        .on("pj", "Rydyn ni'n helpu cleifion i godi a gwisgo erbyn un ar ddeg bob bore."),
        .on("carers", "Mae croeso i ofalwyr ar unrhyw adeg o'r dydd, gyda phaned a lle i eistedd."),
        .any("Dechreuodd y cyfan gyda sgwrs dros baned yn yr ystafell staff."),
      ],
      retellings: [
        .any("Chwe mis yn ddiweddarach, mae'r tîm cyfan yn gwneud hyn heb feddwl."),
        .any("Dywedodd un claf, \"dyma'r tro cyntaf i rywun ofyn i mi.\""),
      ],
      tellers: ["Siân Roberts", "Gwenllian Huws", "Rhys Llywelyn", "Eleri Morgan", "Dafydd Jones"],
      tag: "cymraeg"),
    Language(
      weight: 6,
      titles: [
        .on("appointments", "Mniej nieodbytych wizyt"), .on("hello", "Dzień dobry, nazywam się…"),
        .on("falls", "Zapobieganie upadkom w nocy"), .on("hello", "Tłumacz na każdej wizycie"),
        .on("wellbeing", "Przerwa dla każdego"),
      ],
      firstTellings: [
        .on("hello", "Obiecaliśmy przedstawiać się każdemu pacjentowi z imienia, za każdym razem."),
        .on(
          "appointments",
          "Dzwonimy do pacjentów dwa dni przed wizytą i od razu proponujemy nowy termin."),
        .on(
          "falls",
          "Obiecaliśmy sprawdzać obuwie i okulary każdego pacjenta przy każdej zmianie dyżuru."),
        .on(
          "wellbeing",
          "Obiecaliśmy, że każdy z nas zrobi sobie przerwę, nawet na ruchliwym dyżurze."),
        .any("Zaczęło się od rozmowy przy herbacie na dyżurce, po trudnym nocnym dyżurze."),
      ],
      retellings: [
        .any("Po sześciu miesiącach cały zespół robi to bez zastanowienia."),
        .any("Pacjentka powiedziała nam: „pierwszy raz ktoś mnie o to zapytał”."),
      ],
      tellers: ["Katarzyna Nowak", "Zofia Wójcik", "Paweł Kowalczyk", "Łukasz Wiśniewski"],
      tag: "polski"),
    Language(
      weight: 5,
      titles: [
        .on("hello", "ہیلو، میرا نام ہے"), .on("appointments", "کم چھوٹی ہوئی ملاقاتیں"),
        .on("falls", "گرنے سے بچاؤ"), .on("hello", "ہر مریض کے لیے مترجم"),
      ],
      firstTellings: [
        .on("hello", "ہم نے عہد کیا کہ ہر مریض سے اپنا نام بتا کر بات شروع کریں گے۔"),
        .on(
          "appointments",
          "ہم ملاقات سے دو دن پہلے مریضوں کو فون کرتے ہیں اور نئی تاریخ وہیں طے کر دیتے ہیں۔"),
        .on("falls", "ہم ہر شفٹ کی تبدیلی پر مریضوں کے جوتے اور عینک چیک کرتے ہیں۔"),
      ],
      retellings: [
        .any("چھ مہینے بعد، پوری ٹیم یہ بغیر سوچے کرتی ہے۔"),
        .any("ایک مریضہ نے کہا، \"پہلی بار کسی نے مجھ سے پوچھا۔\""),
      ],
      tellers: ["عائشہ خان", "محمد حسین", "فاطمہ بیگم", "عمران علی"],
      tag: "urdu"),
    Language(
      weight: 4,
      titles: [
        .on("hello", "Hola, me llamo…"), .on("appointments", "Menos citas perdidas"),
        .on("falls", "Prevención de caídas en el turno de noche"),
        .on("hello", "Intérprete en cada consulta"), .on("walking", "Caminar juntos"),
      ],
      firstTellings: [
        .on(
          "hello", "Nos comprometimos a presentarnos por nuestro nombre a cada paciente, siempre."),
        .on(
          "appointments",
          "Llamamos a los pacientes dos días antes de su cita y, si hace falta, les damos otra fecha."
        ),
        .on(
          "falls",
          "Nos comprometimos a revisar el calzado y las gafas de cada paciente en cada cambio de turno."
        ),
        .on(
          "walking",
          "Cada semana salimos a caminar desde el aparcamiento del centro de salud, con quien quiera venir."
        ),
        .any(
          "Empezó con una conversación en la sala de enfermería, con un café, después de una noche difícil."
        ),
      ],
      retellings: [
        .any("Seis meses después, todo el equipo lo hace sin pensarlo."),
        .any("Una paciente nos dijo: \"es la primera vez que alguien me lo pregunta.\""),
      ],
      tellers: ["María García", "José Martínez", "Lucía Fernández", "Javier Ruiz"],
      tag: "español"),
    Language(
      weight: 3,
      titles: [
        .on("hello", "হ্যালো, আমার নাম"), .on("appointments", "কম মিস হওয়া অ্যাপয়েন্টমেন্ট"),
        .on("falls", "পড়ে যাওয়া প্রতিরোধ"),
      ],
      firstTellings: [
        .on("hello", "আমরা প্রতিজ্ঞা করেছি প্রত্যেক রোগীর কাছে নিজের নাম বলে পরিচয় দেব।"),
        .on("appointments", "অ্যাপয়েন্টমেন্টের দুই দিন আগে আমরা রোগীদের ফোন করি।"),
        .on("falls", "আমরা প্রতিটি শিফট বদলের সময় রোগীদের জুতা আর চশমা পরীক্ষা করি।"),
      ],
      retellings: [.any("ছয় মাস পরে, পুরো দল এটা স্বাভাবিকভাবেই করে।")],
      tellers: ["রহিমা বেগম", "আব্দুল করিম", "নাসরিন আক্তার"],
      tag: "bangla"),
    Language(
      weight: 3,
      titles: [
        .on("hello", "Bună, numele meu este"), .on("appointments", "Mai puține programări ratate"),
        .on("falls", "Prevenirea căderilor"), .on("wellbeing", "Pauză pentru fiecare"),
      ],
      firstTellings: [
        .on("hello", "Ne-am angajat să ne prezentăm pe nume fiecărui pacient, de fiecare dată."),
        .on(
          "appointments",
          "Îi sunăm pe pacienți cu două zile înainte de programare și le oferim o nouă dată pe loc."
        ),
        .on(
          "falls",
          "Verificăm încălțămintea și ochelarii fiecărui pacient la fiecare predare de tură."),
        .on(
          "wellbeing",
          "Ne-am promis că fiecare dintre noi își ia pauza, chiar și în zilele aglomerate."),
        .any("Totul a început cu o discuție la o cafea, după o tură de noapte grea."),
      ],
      retellings: [.any("După șase luni, toată echipa face asta fără să se gândească.")],
      tellers: ["Ioana Popescu", "Andrei Ionescu", "Mihaela Dumitrescu", "Ștefan Stan"],
      tag: "română"),
    Language(
      weight: 3,
      titles: [
        .on("hello", "你好，我的名字是"), .on("appointments", "减少错过的预约"), .on("falls", "预防跌倒"),
        .on("hello", "每次就诊都有翻译"),
      ],
      firstTellings: [
        .on("hello", "我们承诺每次都向每位病人介绍自己的名字。"),
        .on("appointments", "我们在预约前两天给病人打电话，并当场重新安排时间。"),
        .on("falls", "我们在每次交接班时检查每位病人的鞋子和眼镜。"),
      ],
      retellings: [.any("六个月后，整个团队都自然而然地这样做。")],
      tellers: ["王芳", "李伟", "陈静", "刘洋"],
      tag: "中文"),
  ]

  /// Evidence that makes an item visible, some of it about one topic.
  static let evidence: [Themed] = [
    .any("Ward audit of 40 patients, March"),
    .any("Friends and Family Test comments"),
    .any("Patient survey (n=112), free-text answers coded by two of us"),
    .any("Minutes of the team meeting, with names removed"),
    .any("Finance business partner's costing, signed off"),
    .any("Photos of the board before and after"),
    .any("NHS reference costs applied to our counts"),
    .any("E-roster exports for the quarter"),
    .any("Letter from the local Healthwatch"),
    .on("hello", "Observation audit: \"name badge seen\" in 38 of 40 encounters"),
    .on("hello", "Complaints log, communication themes by quarter"),
    .on("appointments", "PAS report: did-not-attend rate by month"),
    .on("falls", "Datix falls reports compared year on year"),
    .on("falls", "Quote from a family: \"she came home walking\""),
    .on("pj", "Length-of-stay report for over-75s"),
    .on("dementia", "Night-time sedation audit"),
    .on("hydration", "Care home admissions data from the ICB"),
    .on("green", "Waste contractor invoices, bags per month"),
    .on("wellbeing", "Sickness absence from ESR, 12 months either side"),
    .on("medicines", "Missed-dose audit of time-critical medicines"),
    .on("discharge", "Discharges before noon, from the bed bureau"),
    .on("learning-disability", "GP register: annual health checks completed"),
    .on("walking", "Walk register and GP appointment counts"),
    .on("sepsis", "Sepsis screening audit, monthly"),
  ]

  /// Why visible value went back to invisible.
  static let withdrawnEvidence = [
    "Re-audit did not confirm the figure; back to knowable",
    "Counting method challenged at the regional meeting",
    "Data quality check found double counting",
  ]

  /// Endings added to an item's description when it is revised.
  static let descriptionRevisions = [
    " (corrected)", " (recounted after audit)", " - now counted monthly", ", now across two sites",
  ]

  /// Extra tags some stories carry.
  static let extraTags = ["changeday", "quality-improvement", "winter", "co-production", "nhs-75"]
}
