"""The children's social care workforce: establishment, agency share and premium, caseloads, what-ifs."""
