import Foundation
import StoryLedger

// The ledger's dimension, not Foundation's unit dimension.
typealias Dimension = StoryLedger.Dimension
