import Foundation

/// A streaming reader of RFC 4180 CSV over raw bytes, one record at a time.
///
/// The reader reads a file in chunks of a few MiB (or works over bytes in memory) and
/// splits it into records without building strings: a field becomes a `String` only when
/// asked for with ``string(at:)``. It accepts quoted fields with `""` escapes and embedded
/// line breaks, CRLF, LF or CR line ends, and ignores a UTF-8 byte-order mark at the start.
/// Lines with nothing on them are skipped.
///
/// The first record is the header. Every later record must have as many fields as the
/// header; a record with more or fewer, a field that is not valid UTF-8, a quote inside an
/// unquoted field, text after a closing quote, and a quote that is never closed are
/// errors that name the row and the column.
///
/// Rows are numbered as a spreadsheet numbers them: the header is row 1 and every line
/// break outside quotes starts the next row (so a skipped empty line still takes a
/// number). ``line`` is the line a record starts on, counting line feeds (and lone
/// carriage returns outside quotes).
///
/// ```swift
/// let reader = try CSVReader(contentsOf: URL(filePath: "items.csv"))
/// let header = try reader.readHeader()
/// while try reader.nextRecord() {
///   print(reader.row, reader.string(at: 0))
/// }
/// ```
public final class CSVReader {
  /// The name of the input, used in errors.
  public let fileName: String
  /// The header's column names, once ``readHeader()`` has read them.
  public private(set) var header: [String] = []
  /// The row number of the current record (the header is row 1).
  public private(set) var row = 0
  /// The line the current record starts on (the first line is 1).
  public private(set) var line = 0
  /// The number of fields in the current record.
  public private(set) var fieldCount = 0
  /// The number of bytes read from the input so far.
  public private(set) var bytesRead: UInt64 = 0
  /// The size of the input in bytes.
  public let totalBytes: UInt64

  /// The size of each read from a file.
  static let chunkSize = 4 << 20

  /// The largest record, in bytes, the reader holds: a longer one is refused, so that a file
  /// without line breaks (or a quote never closed) cannot use memory without bound.
  var maximumRecordSize = 64 << 20

  /// Whether ``nextRecord()`` leaves checking that a record is valid UTF-8 to
  /// ``validateDeferredUTF8()``, for a reader that skips most records (a planner that plans
  /// only some stories).
  var defersUTF8Validation = false
  /// Whether the current record has bytes past ASCII that are not yet checked.
  private var isUTF8CheckPending = false

  private let file: SystemFile?
  private var buffer: UnsafeMutablePointer<UInt8>
  private var capacity: Int
  /// Where the next record starts in `buffer`.
  private var position = 0
  /// The end of the bytes read into `buffer`.
  private var end = 0
  /// Whether the whole input has been read into `buffer`.
  private var isInputExhausted = false
  /// Where the first NUL byte of the input is, once a read has met one (the buffer then
  /// ends before it).
  private var nulOffset: UInt64?
  /// Whether the input starts as UTF-16 text does (a UTF-16 byte-order mark, or a NUL byte
  /// beside each of its first two characters).
  private var looksLikeUTF16 = false
  /// Whether the first bytes (and a byte-order mark) have been looked at.
  private var hasStarted = false
  private var hasHeader = false
  /// The next row and line numbers to hand out.
  private var nextRow = 1
  private var nextLine = 1

  /// The current record's field contents, unescaped, back to back.
  private var scratch: UnsafeMutablePointer<UInt8>
  private var scratchCapacity: Int
  /// Where each field of the current record ends in `scratch`.
  private var fieldEnds: UnsafeMutablePointer<Int>
  private var fieldEndsCapacity: Int

  /// Creates a reader over bytes in memory.
  ///
  /// ```swift
  /// let reader = CSVReader(bytes: Array("story,item\nS1,i1\n".utf8), fileName: "items.csv")
  /// ```
  public init(bytes: [UInt8], fileName: String) {
    self.fileName = fileName
    self.file = nil
    let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: max(bytes.count, 1))
    bytes.withUnsafeBufferPointer { source in
      if let base = source.baseAddress { storage.update(from: base, count: source.count) }
    }
    self.capacity = max(bytes.count, 1)
    self.buffer = storage
    self.end = bytes.count
    self.isInputExhausted = true
    self.totalBytes = UInt64(bytes.count)
    self.bytesRead = UInt64(bytes.count)
    self.scratchCapacity = 4096
    self.scratch = .allocate(capacity: scratchCapacity)
    self.fieldEndsCapacity = 64
    self.fieldEnds = .allocate(capacity: fieldEndsCapacity)
  }

  /// Opens a file for reading.
  ///
  /// - Parameters:
  ///   - url: The file.
  ///   - fileName: The name errors use; the file's last path component by default.
  /// - Throws: ``ImportError`` with a ``ImportError/readFailure`` when the file cannot be
  ///   opened.
  public convenience init(contentsOf url: URL, fileName: String? = nil) throws(ImportError) {
    try self.init(contentsOf: url, fileName: fileName, chunkSize: CSVReader.chunkSize)
  }

  /// Opens a file for reading in chunks of `chunkSize` bytes (tests use tiny chunks).
  init(contentsOf url: URL, fileName: String?, chunkSize: Int) throws(ImportError) {
    let name = fileName ?? url.lastPathComponent
    let opened: SystemFile
    let size: UInt64
    do {
      opened = try SystemFile(path: url.path, flags: O_RDONLY)
      size = try opened.size()
    } catch {
      throw ImportError(file: name, reason: "cannot be read: \(error.message)", readFailure: error)
    }
    self.fileName = name
    self.file = opened
    self.totalBytes = size
    self.capacity = max(chunkSize, 1)
    self.buffer = .allocate(capacity: capacity)
    self.scratchCapacity = 4096
    self.scratch = .allocate(capacity: scratchCapacity)
    self.fieldEndsCapacity = 64
    self.fieldEnds = .allocate(capacity: fieldEndsCapacity)
  }

  deinit {
    buffer.deallocate()
    scratch.deallocate()
    fieldEnds.deallocate()
  }

  // MARK: Reading records

  /// Reads the header row and returns its column names.
  ///
  /// Calling it again returns the same names.
  ///
  /// - Throws: ``ImportError`` when the input is empty or the header is malformed.
  @discardableResult
  public func readHeader() throws(ImportError) -> [String] {
    if hasHeader { return header }
    guard try advance() else {
      throw ImportError(
        file: fileName,
        reason: "is empty; it needs a header row naming the columns, then one row per item")
    }
    header = (0..<fieldCount).map { string(at: $0) }
    hasHeader = true
    return header
  }

  /// Moves to the next record; returns `false` at the end of the input.
  ///
  /// Reads the header first when ``readHeader()`` has not been called.
  ///
  /// - Throws: ``ImportError`` for a malformed record or a read failure.
  public func nextRecord() throws(ImportError) -> Bool {
    if !hasHeader { try readHeader() }
    guard try advance() else { return false }
    if fieldCount != header.count {
      throw fieldCountError()
    }
    return true
  }

  /// The field at `index` of the current record as a string.
  public func string(at index: Int) -> String {
    let range = fieldRange(index)
    return String(
      decoding: UnsafeBufferPointer(start: scratch + range.lowerBound, count: range.count),
      as: UTF8.self)
  }

  /// Whether the field at `index` of the current record is empty.
  public func isEmpty(at index: Int) -> Bool {
    fieldRange(index).isEmpty
  }

  /// Calls `body` with the UTF-8 bytes of the field at `index` of the current record.
  ///
  /// The bytes are valid only during the call.
  public func withUTF8<Result, Failure: Error>(
    at index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Result
  ) throws(Failure) -> Result {
    try body(bytes(at: index))
  }

  /// The fields of a record, read without going through the reader for each one.
  struct Fields {
    /// The fields' contents, back to back.
    var contents: UnsafePointer<UInt8>
    /// Where each field ends in `contents`.
    var ends: UnsafePointer<Int>
    /// The number of fields.
    var count: Int

    /// The bytes of the field at `index`.
    @inline(__always)
    func bytes(at index: Int) -> UnsafeBufferPointer<UInt8> {
      precondition(index >= 0 && index < count, "field \(index) is out of range")
      let start = index == 0 ? 0 : ends[index - 1]
      return UnsafeBufferPointer(start: contents + start, count: ends[index] - start)
    }
  }

  /// The current record's fields, valid until the next call to ``nextRecord()``.
  var fields: Fields {
    Fields(contents: UnsafePointer(scratch), ends: UnsafePointer(fieldEnds), count: fieldCount)
  }

  /// The bytes of the field at `index`, valid until the next call to ``nextRecord()``.
  func bytes(at index: Int) -> UnsafeBufferPointer<UInt8> {
    let range = fieldRange(index)
    return UnsafeBufferPointer(start: scratch + range.lowerBound, count: range.count)
  }

  private func fieldRange(_ index: Int) -> Range<Int> {
    precondition(index >= 0 && index < fieldCount, "field \(index) is out of range")
    let start = index == 0 ? 0 : fieldEnds[index - 1]
    return start..<fieldEnds[index]
  }

  /// The name of the column at `index`, or `nil` past the header (or in the header itself).
  func columnName(_ index: Int) -> String? {
    hasHeader && index < header.count ? header[index] : nil
  }

  // MARK: Parsing

  private enum Step {
    case record
    case emptyLine
    case needMore
    case end
  }

  /// Reads the next non-empty record into the scratch fields; `false` at the end.
  private func advance() throws(ImportError) -> Bool {
    if !hasStarted { try start() }
    while true {
      switch try parseRecord() {
      case .record:
        return true
      case .emptyLine:
        continue
      case .needMore:
        try refill()
      case .end:
        return false
      }
    }
  }

  private func start() throws(ImportError) {
    hasStarted = true
    if file == nil { end = stopAtNUL(in: buffer, count: end, from: 0) }
    while end - position < 3 && !isInputExhausted { try refill() }
    if end - position >= 3, buffer[position] == 0xEF, buffer[position + 1] == 0xBB,
      buffer[position + 2] == 0xBF
    {
      position += 3
    }
  }

  /// Keeps the unparsed bytes and reads more after them, growing the buffer when one
  /// record fills it.
  private func refill() throws(ImportError) {
    if let offset = nulOffset {
      // Every whole record before the NUL byte was read: the one it is in is this row.
      throw ImportError(
        file: fileName, row: nextRow, line: nextLine,
        reason: looksLikeUTF16
          ? "has a NUL byte (byte \(offset + 1) of the file): it looks like UTF-16 text (\"Unicode text\" in some spreadsheets); save it as CSV in UTF-8"
          : "has a NUL byte (byte \(offset + 1) of the file): it is not a text file (CSV in UTF-8 holds no NUL bytes); give the CSV file to import"
      )
    }
    guard let file else {
      isInputExhausted = true
      return
    }
    let kept = end - position
    if position > 0 {
      if kept > 0 { buffer.update(from: buffer + position, count: kept) }
      position = 0
      end = kept
    }
    if end == capacity {
      guard capacity < maximumRecordSize else {
        throw ImportError(
          file: fileName, row: nextRow, line: nextLine,
          reason:
            "is longer than \(maximumRecordSize >> 20) MiB without a line break outside quotes (a quote never closed, or not a CSV file); a row holds one mention of an item"
        )
      }
      let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
      grown.update(from: buffer, count: end)
      buffer.deallocate()
      buffer = grown
      capacity *= 2
    }
    let wanted = capacity - end
    let got: Int
    do {
      got = try file.read(into: buffer + end, count: wanted, at: bytesRead)
    } catch {
      throw ImportError(
        file: fileName, reason: "cannot be read: \(error.message)", readFailure: error)
    }
    end += stopAtNUL(in: buffer + end, count: got, from: bytesRead)
    bytesRead += UInt64(got)
    if got < wanted && nulOffset == nil { isInputExhausted = true }
  }

  /// Looks for a NUL byte in bytes just read (one `memchr` per chunk, at memory speed) and
  /// returns how many bytes come before it. CSV is text: a file of zeros (or any binary
  /// file) would otherwise be read whole as one ever-growing field. The records before the
  /// NUL are read as usual; the next refill refuses the row the NUL is in, so memory stays
  /// within a chunk and the error names the row.
  private func stopAtNUL(
    in bytes: UnsafeMutablePointer<UInt8>, count: Int, from offset: UInt64
  ) -> Int {
    guard count > 0, let found = memchr(bytes, 0, count) else { return count }
    let index = UnsafeRawPointer(found) - UnsafeRawPointer(bytes)
    if offset == 0, count >= 4 {
      let (b0, b1, b2, b3) = (bytes[0], bytes[1], bytes[2], bytes[3])
      looksLikeUTF16 =
        (b0 == 0xFF && b1 == 0xFE) || (b0 == 0xFE && b1 == 0xFF)
        || (b0 != 0 && b1 == 0 && b2 != 0 && b3 == 0) || (b0 == 0 && b1 != 0 && b2 == 0 && b3 != 0)
    }
    nulOffset = offset + UInt64(index)
    isInputExhausted = false
    return index
  }

  /// Parses one record at `position`. Commits `position`, `row` and `line` only when the
  /// record is complete, so that a record cut by the end of the buffer is parsed again
  /// after a refill.
  private func parseRecord() throws(ImportError) -> Step {
    let comma = UInt8(ascii: ",")
    let quote = UInt8(ascii: "\"")
    let lineFeed = UInt8(ascii: "\n")
    let carriageReturn = UInt8(ascii: "\r")
    let base = buffer
    let limit = end
    let isLast = isInputExhausted
    var cursor = position
    guard cursor < limit else { return isLast ? .end : .needMore }

    // An empty line: nothing between two line ends.
    let first = base[cursor]
    if first == lineFeed || first == carriageReturn {
      if first == carriageReturn {
        if cursor + 1 == limit, !isLast { return .needMore }
        if cursor + 1 < limit, base[cursor + 1] == lineFeed { cursor += 1 }
      }
      position = cursor + 1
      nextRow += 1
      nextLine += 1
      return .emptyLine
    }

    var used = 0
    var fields = 0
    var highBits: UInt64 = 0
    var quotedLineFeeds = 0
    // The scratch and field-end storage in locals: the loops below touch them for every
    // field, and locals cost no access checks.
    var contents = scratch
    var contentsCapacity = scratchCapacity
    var ends = fieldEnds
    var endsCapacity = fieldEndsCapacity

    // Appends bytes to the scratch fields, growing them as needed.
    func append(_ source: UnsafePointer<UInt8>, _ count: Int) {
      if used + count > contentsCapacity {
        growScratch(to: used + count)
        contents = scratch
        contentsCapacity = scratchCapacity
      }
      (contents + used).update(from: source, count: count)
      used += count
    }
    func endField() {
      if fields == endsCapacity {
        growFieldEnds()
        ends = fieldEnds
        endsCapacity = fieldEndsCapacity
      }
      ends[fields] = used
      fields += 1
    }

    while true {
      if cursor == limit {
        // A field starts at the end of the input (after a trailing comma).
        if !isLast { return .needMore }
        endField()
        break
      }
      if base[cursor] == quote {
        cursor += 1
        var closed = false
        while !closed {
          let runStart = cursor
          // Eight bytes at a time up to the next quote, counting line feeds.
          while cursor + 8 <= limit {
            let word = UnsafeRawPointer(base + cursor).loadUnaligned(as: UInt64.self)
            let quotes = CSVReader.zeroBytes(word ^ CSVReader.quoteBytes)
            let lineFeeds = CSVReader.zeroBytes(word ^ CSVReader.lineFeedBytes)
            if quotes != 0 {
              let below = (quotes & (0 &- quotes)) &- 1  // the bytes before the first quote
              highBits |= word & below
              quotedLineFeeds += (lineFeeds & below).nonzeroBitCount
              cursor += quotes.trailingZeroBitCount >> 3
              break
            }
            highBits |= word
            quotedLineFeeds += lineFeeds.nonzeroBitCount
            cursor += 8
          }
          while cursor < limit {
            let byte = base[cursor]
            if byte == quote { break }
            highBits |= UInt64(byte)
            if byte == lineFeed { quotedLineFeeds += 1 }
            cursor += 1
          }
          if cursor > runStart { append(base + runStart, cursor - runStart) }
          if cursor == limit {
            if !isLast { return .needMore }
            throw ImportError(
              file: fileName, row: nextRow, line: nextLine, column: columnName(fields),
              reason:
                "has a quote that is never closed (the field runs to the end of the file); close it with \""
            )
          }
          // At a quote: a doubled quote is one quote; otherwise the field closes.
          if cursor + 1 == limit {
            if !isLast { return .needMore }
            cursor += 1
            closed = true
          } else if base[cursor + 1] == quote {
            append(base + cursor, 1)
            cursor += 2
          } else {
            cursor += 1
            closed = true
          }
        }
        if cursor == limit {
          endField()
          break
        }
        let next = base[cursor]
        if next == comma {
          endField()
          cursor += 1
          continue
        }
        if next != lineFeed && next != carriageReturn {
          throw ImportError(
            file: fileName, row: nextRow, line: nextLine, column: columnName(fields),
            value: string(contents, from: fields == 0 ? 0 : ends[fields - 1], to: used),
            reason:
              "has text after its closing quote; quote the whole field and double any quote inside it (\"\")"
          )
        }
      } else {
        let runStart = cursor
        // Eight bytes at a time up to the next comma, quote or line end.
        var isSpecialFound = false
        while cursor + 8 <= limit {
          let word = UnsafeRawPointer(base + cursor).loadUnaligned(as: UInt64.self)
          let specials =
            CSVReader.zeroBytes(word ^ CSVReader.commaBytes)
            | CSVReader.zeroBytes(word ^ CSVReader.quoteBytes)
            | CSVReader.zeroBytes(word ^ CSVReader.lineFeedBytes)
            | CSVReader.zeroBytes(word ^ CSVReader.carriageReturnBytes)
          if specials != 0 {
            highBits |= word & ((specials & (0 &- specials)) &- 1)
            cursor += specials.trailingZeroBitCount >> 3
            isSpecialFound = true
            break
          }
          highBits |= word
          cursor += 8
        }
        while !isSpecialFound && cursor < limit {
          let byte = base[cursor]
          // Every special byte is at most ",", so most bytes take one comparison.
          if byte <= comma
            && (byte == comma || byte == lineFeed || byte == carriageReturn || byte == quote)
          {
            break
          }
          highBits |= UInt64(byte)
          cursor += 1
        }
        if cursor > runStart { append(base + runStart, cursor - runStart) }
        if cursor == limit {
          if !isLast { return .needMore }
          endField()
          break
        }
        let byte = base[cursor]
        if byte == comma {
          endField()
          cursor += 1
          continue
        }
        if byte == quote {
          throw ImportError(
            file: fileName, row: nextRow, line: nextLine, column: columnName(fields),
            value: string(contents, from: fields == 0 ? 0 : ends[fields - 1], to: used),
            reason:
              "has a quote inside an unquoted field; quote the whole field and double the quote inside it (\"\")"
          )
        }
      }
      // A line end closes the field and the record.
      endField()
      if base[cursor] == carriageReturn {
        if cursor + 1 == limit {
          if !isLast { return .needMore }
        } else if base[cursor + 1] == lineFeed {
          cursor += 1
        }
      }
      cursor += 1
      break
    }

    fieldCount = fields
    row = nextRow
    line = nextLine
    position = cursor
    nextRow += 1
    nextLine += 1 + quotedLineFeeds
    isUTF8CheckPending = false
    if highBits & 0x8080_8080_8080_8080 != 0 {
      if defersUTF8Validation { isUTF8CheckPending = true } else { try validateUTF8() }
    }
    return .record
  }

  /// A word with `0x80` in each byte of `word` that is zero, and nothing else (exact: no
  /// byte is flagged because of its neighbour).
  @inline(__always)
  static func zeroBytes(_ word: UInt64) -> UInt64 {
    let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
    return ~(((word & low) &+ low) | word | low)
  }

  static let commaBytes: UInt64 = 0x2C2C_2C2C_2C2C_2C2C
  static let quoteBytes: UInt64 = 0x2222_2222_2222_2222
  static let lineFeedBytes: UInt64 = 0x0A0A_0A0A_0A0A_0A0A
  static let carriageReturnBytes: UInt64 = 0x0D0D_0D0D_0D0D_0D0D

  private func string(_ storage: UnsafeMutablePointer<UInt8>, from start: Int, to end: Int)
    -> String
  {
    String(decoding: UnsafeBufferPointer(start: storage + start, count: end - start), as: UTF8.self)
  }

  private func growScratch(to needed: Int) {
    var newCapacity = scratchCapacity * 2
    while newCapacity < needed { newCapacity *= 2 }
    let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
    grown.update(from: scratch, count: scratchCapacity)
    scratch.deallocate()
    scratch = grown
    scratchCapacity = newCapacity
  }

  private func growFieldEnds() {
    let grown = UnsafeMutablePointer<Int>.allocate(capacity: fieldEndsCapacity * 2)
    grown.update(from: fieldEnds, count: fieldEndsCapacity)
    fieldEnds.deallocate()
    fieldEnds = grown
    fieldEndsCapacity *= 2
  }

  // MARK: Checks

  /// Checks that the current record is valid UTF-8, when ``defersUTF8Validation`` left it
  /// unchecked; the error is the one ``nextRecord()`` would have thrown.
  func validateDeferredUTF8() throws(ImportError) {
    guard isUTF8CheckPending else { return }
    isUTF8CheckPending = false
    try validateUTF8()
  }

  private func validateUTF8() throws(ImportError) {
    for index in 0..<fieldCount {
      let field = bytes(at: index)
      guard let offset = UTF8Validation.firstInvalidOffset(in: field) else { continue }
      let column = columnName(index)
      let place = column == nil ? "field \(index + 1) " : ""
      throw ImportError(
        file: fileName, row: row, line: line, column: column,
        value: String(decoding: field, as: UTF8.self),
        reason:
          "\(place)is not valid UTF-8 (byte \(offset + 1) is 0x\(String(field[offset], radix: 16, uppercase: true))); save the file as UTF-8"
      )
    }
  }

  private func fieldCountError() -> ImportError {
    let expected = header.count
    if fieldCount < expected {
      let missing = header[fieldCount...].joined(separator: ", ")
      return ImportError(
        file: fileName, row: row, line: line, column: header[fieldCount],
        reason:
          "missing: the row has \(fieldCount) fields but the header names \(expected) columns; no value for \(missing)"
      )
    }
    return ImportError(
      file: fileName, row: row, line: line,
      reason:
        "the row has \(fieldCount) fields but the header names \(expected) columns; quote fields that contain commas"
    )
  }
}
