// (filled by the feature's own change)
