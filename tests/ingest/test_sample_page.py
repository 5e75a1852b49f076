"""The bundled sample page: sections, anchors, alt text, offsets."""

from __future__ import annotations

from ingest.pipeline import DEFAULT_SOURCE

TITLE = "International Collaboration"
URL = "https://www.tech.gov.sg/products-and-services/collaborate-with-us/international-collaboration/"
OPEN_RMF = "1. Transforming urban living with Open-Robotics Middle Framework (Open-RMF)"


def test_sample_page_record(sample) -> None:
    assert sample.skipped == []
    assert sample.scanned == [str(DEFAULT_SOURCE)]
    [page] = sample.pages
    assert (page.url, page.permalink, page.title, page.format, page.source) == (
        URL, "/products-and-services/collaborate-with-us/international-collaboration/",
        TITLE, "tiptap", str(DEFAULT_SOURCE),
    )
    assert page.description.startswith("In the spirit of spurring mutual growth, GovTech welcomes")


def test_section_paths_and_anchors(sample) -> None:
    assert [(c.section, c.anchor) for c in sample.chunks] == [
        ([TITLE, "Paving the way forward through knowledge sharing"],
         "paving-the-way-forward-through-knowledge-sharing"),
        ([TITLE, "Collaboration opportunities"], "collaboration-opportunities"),
        ([TITLE, "Collaboration opportunities", "Bilateral"], "bilateral"),
        ([TITLE, "Collaboration opportunities", "Multilateral"], "multilateral"),
        ([TITLE, "Collaboration opportunities",
          "Knowledge sharing via the Singapore Government Developer Portal"],
         "knowledge-sharing-via-the-singapore-government-developer-portal"),
        ([TITLE, "Collaboration opportunities"], "collaboration-opportunities"),
        ([TITLE, "Collaboration opportunities", "2022"], "2022"),
        ([TITLE, "Collaboration opportunities", "2023"], "2023"),
        ([TITLE, "Digital Government Exchange (DGX)"], "digital-government-exchange-dgx"),
        ([TITLE, "Digital Government Exchange (DGX)"], "digital-government-exchange-dgx"),
        ([TITLE, "Smart City Expo World Congress 2023"], "smart-city-expo-world-congress-2023"),
        ([TITLE, "Smart City Expo World Congress 2023", OPEN_RMF],
         "1-transforming-urban-living-with-open-robotics-middle-framework-open-rmf"),
        ([TITLE, "Smart City Expo World Congress 2023", "2. Tech-Enabled Assisted Living"],
         "2-tech-enabled-assisted-living"),
        ([TITLE, "Smart City Expo World Congress 2023",
          "3. Tech-Enabled Assisted Living with the Sensei Care Kit"],
         "3-tech-enabled-assisted-living-with-the-sensei-care-kit"),
        ([TITLE, "Smart City Expo World Congress 2023",
          "4. Tech-Enhanced Healthcare with Remote Photoplethysmography (rPPG)"],
         "4-tech-enhanced-healthcare-with-remote-photoplethysmography-rppg"),
        ([TITLE, "Cybersecurity Engagements"], "cybersecurity-engagements"),
        ([TITLE, "Cybersecurity Engagements", "Hosted delegation from German Ministry"],
         "hosted-delegation-from-german-ministry"),
        ([TITLE, "Cybersecurity Engagements", "ASEAN Secure Smart Cities Exchange"],
         "asean-secure-smart-cities-exchange"),
        ([TITLE, "Cybersecurity Engagements", "Ready to collaborate?"], "ready-to-collaborate"),
    ]


def test_dgx_section(sample) -> None:
    dgx = [c for c in sample.chunks if c.section_title == "Digital Government Exchange (DGX)"]
    assert [c.url for c in dgx] == [URL + "#digital-government-exchange-dgx"] * 2
    assert dgx[0].page_title == TITLE and dgx[0].page_url == URL
    # The long section is split at a sentence boundary; each part keeps the path.
    assert dgx[0].text.startswith(
        "GovTech collaborates with The World Bank to organise Digital Government Exchange.\n"
        "The Digital Government Exchange (DGX) is an annual global gathering of Government Chief"
    )
    assert dgx[0].text.endswith("the World Economic Forum (WEF) and the World Bank.")
    assert dgx[1].sentence_texts() == [
        "The ninth edition of DGX serves as a significant annual international gathering of "
        "Government Chief Information Officers (CIOs) and public sector leaders from advanced "
        "economies, including Australia, the Netherlands (Amsterdam), Canada, China (Shanghai), "
        "Denmark, Estonia, Finland, France, Israel, Japan, New Zealand, Sweden, the United "
        "Kingdom (UK), and the U.S. (New York).",
        "This event offers a platform for participating governments to exchange insights and "
        "experiences related to their digital government initiatives in their respective "
        "countries.",
        "For more information, check out how DGX is bringing the GovTech Community together.",
    ]


def test_accordion_card_and_bold_heading(sample, section_texts) -> None:
    texts = section_texts(sample.chunks)
    # The 2022 accordion: summary is the title, each paragraph a line, links as text.
    assert texts["2022"] == (
        "May 2022 - Memorandum of Cooperation (MOC) between GovTech and the Digital Agency of "
        "Japan in the area of Digital Government\n"
        "July 2022 - Memorandum of Understanding between GovTech and UK Government Digital "
        "Services on the design and delivery of digital government public services\n"
        "Sep 2022 - Hosting of GovTech’s Digital Government Exchange and the 56th ICA Conference"
    )
    # A one-line accordion stays a chunk of its own; the empty 2024 one makes none.
    assert texts["Bilateral"] == (
        "Exchange and collaborate with international counterparts to advance our Digital "
        "Government journey."
    )
    assert "2024" not in texts
    # The German-ministry card: its title is the section; its alt repeats the description
    # and is not doubled.
    assert texts["Hosted delegation from German Ministry"] == (
        "GovTech hosted a delegation from the German Federal Ministry of the Interior and "
        "Community to GovTech HQ in July 2023."
    )
    # A whole-card <a> link: the address is information, kept as text.
    assert texts["Ready to collaborate?"] == (
        "Collaborate with GovTech\n"
        "Get in touch with us today to explore ways we can work together.\n"
        "info@tech.gov.sg"
    )
    # The bold-only paragraph is a heading; its body follows it.
    assert texts[OPEN_RMF].endswith(
        "Open-RMF facilitates seamless interactions between robots and building systems. By "
        "ensuring that robots can effectively coordinate with elements like lifts, turnstiles, "
        "and doors, this technology prevents conflicts between different robot fleets and "
        "enhances the integration of robotics in daily urban life."
    )


def test_list_kept_with_lead_in(sample, section_texts) -> None:
    texts = section_texts(sample.chunks)
    lines = texts["2. Tech-Enabled Assisted Living"].split("\n")
    assert [line[:45] for line in lines] == [
        "GovTech leader presenting on the Wireless Ale",
        "Government Assisted Living Ecosystem (GALE): ",
        "Wireless Alert Alarm System (AAS): The AAS pr",
    ]


def test_alt_text(sample) -> None:
    text = sample.pages[0].text
    for alt in (
        "GovTech participated in the Smart City Expo World Congress 2023 in Barcelona.",
        "GovTech collaborates with The World Bank to organise Digital Government Exchange.",
        "GovTechie explaining how the Sensei Care Kit works",
    ):
        assert alt in text
    scewc = next(c for c in sample.chunks if c.section_title.startswith("Smart City Expo"))
    assert scewc.sentence_texts()[0] == (
        "GovTech participated in the Smart City Expo World Congress 2023 in Barcelona."
    )
    # File names never become text.
    assert ".jpg" not in text and ".png" not in text


def test_offsets_and_ids(sample) -> None:
    [page] = sample.pages
    for chunk in sample.chunks:
        assert page.text[chunk.start:chunk.end] == chunk.text
        assert chunk.sentences and chunk.sentences[0][0] == 0
        assert all(0 <= s < e <= len(chunk.text) for s, e in chunk.sentences)
        assert all(chunk.text[s:e] == chunk.text[s:e].strip() for s, e in chunk.sentences)
    ids = [c.id for c in sample.chunks]
    assert len(set(ids)) == len(ids)
    again = __import__("ingest.pipeline", fromlist=["x"]).ingest_sources()
    assert [c.id for c in again.chunks] == ids and again.pages[0].id == page.id
