"""Every page format, read from real files: corpus pages by path, own fixtures otherwise."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.pipeline import ingest_sources

MARKUP = re.compile(r"<[a-zA-Z/!][^>]*>|\{\{|\}\}|\{%|%\}|\{:|&[a-z]+;|&#\d+;")


def _sections(chunks) -> list[tuple[list[str], str, str]]:
    return [(c.section[1:], c.anchor, c.text) for c in chunks]


def test_markdown_variant_with_css_accordions(corpus: Path, read_one, section_texts) -> None:
    page, chunks = read_one(corpus / "govtech/_about-us/Our Journey/Our Story.md")
    assert (page.title, page.format, page.url) == (
        "Our Story", "markdown", "https://www.tech.gov.sg/about-us/our-journey/our-story/")
    titles = list(dict.fromkeys(c.section_title for c in chunks))
    assert titles == [
        "The Start of our Digital Government Journey", "The Founding of GovTech",
        "GovTech Today", "Engaging The World", "Our Journey & Milestones",
        "1980 - 1989", "1990 - 1999", "2000 - 2004", "2005 - 2009", "2010 - 2015",
        "2016 - Present",
    ]
    texts = section_texts(chunks)
    # The checkbox accordion's label is the section; its <style> block is gone.
    assert texts["1990 - 1999"] == (
        "1995 - One-Stop Change of Address Reporting Service (OSCARS): Only one step required "
        "to update participating government agencies and statutory boards of your change of "
        "address."
    )
    assert chunks[-1].section == ["Our Story", "Our Journey & Milestones", "2016 - Present"]
    assert "display" not in page.text and "border-radius" not in page.text
    assert "mso-data-placement" not in page.text  # an HTML comment
    assert "YouTube video player" not in page.text  # a generic iframe title
    assert not MARKUP.search(page.text)


def test_isomer_classic_kramdown(corpus: Path, read_one) -> None:
    parking = corpus / "govtech-classic/_products-and-services/citizens/parking-sg.md"
    page, chunks = read_one(parking)
    assert (page.title, page.format, page.url) == (
        "Parking.sg", "classic", "https://www.tech.gov.sg/products-and-services/parking-sg/")
    assert _sections(chunks) == [
        ([], "", "Parking.sg is a mobile application that allows users to pay for short-term "
         "parking charges through their mobile devices at all existing coupon-based public car "
         "parks. The app serves as an alternative mode of payment to paper parking coupons."),
        (["How to use the Parking.sg mobile app"], "how-to-use-the-parkingsg-mobile-app",
         "Activate the app to begin your parking session as soon as you park your vehicle "
         "within a designated parking lot.\nTo start the session, key in your vehicle number, "
         "select the car park code and indicate the intended parking duration.\nCharges will "
         "be calculated on a per-minute basis. A refund will be given if you choose to end "
         "your parking session earlier."),
        (["Useful features"], "useful-features",
         "You can be alerted 10 minutes before your parking session expires. Turn on the "
         "“Notification” feature in your device settings.\nIf you need to extend your parking "
         "duration, you can do it remotely via the app.\nFor more information, please visit "
         "www.parking.sg(www.parking.sg)."),
    ]


def test_classic_bold_lines_with_br_become_headings(corpus: Path, read_one, section_texts) -> None:
    page, chunks = read_one(corpus / "govtech-classic/_products-and-services/citizens/ask-jamie.md")
    assert page.title == "'Ask Jamie' Virtual Assistant"
    texts = section_texts(chunks)
    assert texts["What is Ask Jamie?"].startswith("Conceptualised in 2014, ‘Ask Jamie’ is a")
    assert texts["Benefits"].split("\n")[:2] == [
        "The WOG ‘Ask Jamie’ Virtual Assistant will bring about the following benefits:",
        "Greater convenience and accessibility to the government, 24/7;",
    ]
    # "**Title**<br>Body" in kramdown: the bold line heads its own section.
    assert [c.section[1:] for c in chunks][3:5] == [
        ["What are some of the new developments?", "Ask Jamie is now available across agencies"],
        ["What are some of the new developments?", "Ask Jamie is now Multi-channel"],
    ]
    assert texts["Ask Jamie is now available across agencies"].startswith(
        "With the ‘No Wrong Door’ approach, Ask Jamie pulls information")
    # Pasted "•<tab>item<br>" bullets are list items, kept with their lead-in.
    assert texts["Ask Jamie is now Multi-channel"].split("\n")[1:] == [
        "Ask Jamie Email - Using VA for email",
        "Ask Jamie Voice - Using VA on call centres to automate call answering such as Ministry "
        "of Social and Family Development’s baby bonus hotline and MOE’s secondary school "
        "posting hotline",
        "Ask Jamie Live Chat - Integration with voice to speak with call agent",
        "Ask Jamie Bot - Using VA on Facebook Messenger (to be launched on social media soon)",
    ]
    assert not MARKUP.search(page.text)


def test_contact_us_layout(corpus: Path, read_one) -> None:
    page, chunks = read_one(corpus / "govtech/pages/contact-us.md")
    assert (page.title, page.format, page.url) == (
        "Contact Us", "layout", "https://www.tech.gov.sg/contact-us/")
    assert _sections(chunks) == [
        (["General Enquiries & Feedback - Hotline"], "general-enquiries-feedback-hotline",
         "Phone: +65 6211 0888\nMonday to Thursday: 8.30am to 6.00pm, Friday: 8.30am to "
         "5.30pm, Closed on Saturday, Sunday, and Public Holidays."),
        (["General Enquiries & Feedback - Email"], "general-enquiries-feedback-email",
         "Email: info@tech.gov.sg"),
        (["Media Enquiries"], "media-enquiries", "Email: media@tech.gov.sg"),
        (["Industry / Vendor Partnerships"], "industry-vendor-partnerships",
         "Email: industry_engagement@tech.gov.sg"),
        (["Whistleblowing Line"], "whistleblowing-line", "Email: whistleblow@tech.gov.sg"),
    ]


def test_homepage_layout(corpus: Path, read_one) -> None:
    page, chunks = read_one(corpus / "other-isomer/isomerpages+nea-wis/index.md",
                            base_url="https://wis2.example.sg")
    assert (page.title, page.format, page.url) == (
        "ASMC WIS 2.0 Pilot Portal", "layout", "https://wis2.example.sg/")
    assert _sections(chunks) == [
        ([], "", "This site is currently in its pilot testing phase and is still undergoing "
         "enhancements. We appreciate your patience and feedback as we work to improve your "
         "experience."),
        (["ASMC Products"], "asmc-products", "This portal provides operational information and "
         "products on the weather and smoke haze situation in the ASEAN region."),
        ([], "", "Satellite Images: JPSS-1/NOAA-20\nSatellite Images: SUOMI-NPP\n"
         "Regional Haze Situation"),
        ([], "", "Hotspot Reports: JPSS-1/NOAA-20\nHotspot Reports: SUOMI-NPP\n"
         "Smoke Haze Dispersion Model"),
    ]


def test_homepage_announcements_and_cards(corpus: Path, read_one, section_texts) -> None:
    page, chunks = read_one(corpus / "other-isomer/isomerpages+imda-tradetrust/index.md")
    texts = section_texts(chunks)
    assert texts["TradeTrust Newsletter January 2026"].startswith(
        "29 January 2026\nFrom celebrating collaboration to insights of interoperability")
    assert chunks[[c.section_title for c in chunks].index("TradeTrust Newsletter January 2026")
                  ].section[1:] == ["Latest Happenings", "TradeTrust Newsletter January 2026"]
    assert "Create Documents: Create or revoke TradeTrust-enabled business documents" in (
        texts["Solution"].split("\n"))
    # Button labels, image paths and the placeholder alt are presentation, not text.
    assert "Try now" not in page.text and "/images/" not in page.text
    assert "Image alt text" not in page.text


def test_isomer_next_json(fixtures: Path, read_one) -> None:
    page, chunks = read_one(fixtures / "isomer-next-page.json")
    assert (page.title, page.format, page.url, page.description) == (
        "Grants for Community Projects", "isomer-json",
        "https://www.tech.gov.sg/grants/community-projects",
        "Funding for residents and groups who start projects that bring neighbours together.",
    )
    assert _sections(chunks) == [
        ([], "", "Funding for residents and groups who start projects that bring neighbours "
         "together."),
        (["Who can apply"], "who-can-apply", "Applicants must meet all of these conditions:\n"
         "You are at least 18 years old.\nYour project serves residents of one town."),
        (["How much you can get"], "how-much-you-can-get",
         "Each project can receive up to $5,000.\nApply online before 31 March.\n"
         "Project size: Small; Maximum grant: $1,000\nProject size: Large; Maximum grant: $5,000"),
        (["The programme in numbers"], "the-programme-in-numbers",
         "Projects funded in 2024: 320\nTowns reached: 26"),
        (["Need help with your application?"], "need-help-with-your-application",
         "Call the grants hotline at 6123 4567 on weekdays from 9am to 5pm."),
    ]


def test_rendered_html(fixtures: Path, read_one) -> None:
    page, chunks = read_one(fixtures / "rendered-page.html")
    assert (page.title, page.format, page.url, page.description) == (
        "Library Opening Hours", "html", "https://www.example.gov.sg/services/library-hours/",
        "When the town libraries are open.",
    )
    assert _sections(chunks) == [
        ([], "", "All town libraries share the same opening hours."),
        (["Weekdays"], "weekdays", "Libraries open from 10am to 9pm, Monday to Friday."),
        (["Public holidays"], "public-holidays",
         "Libraries close at 5pm on the eve of Chinese New Year and stay closed on the first "
         "two days.\nThe reading room at the Central Library seats 200 visitors."),
    ]


def test_table_header_rows_colspan_rowspan(tmp_path: Path, read_one) -> None:
    page_file = tmp_path / "fees.md"
    page_file.write_text(
        "---\ntitle: Fees\npermalink: /fees/\nvariant: tiptap\n---\n"
        "<h3>Fee schedule</h3><p>The fees depend on the pass type:</p>"
        "<table><colgroup><col><col><col></colgroup><tbody>"
        "<tr><th><p>Pass</p></th><th><p>Duration</p></th><th><p>Fee</p></th></tr>"
        "<tr><td rowspan=\"2\"><p>Student</p></td><td><p>1 year</p></td><td><p>$30</p></td></tr>"
        "<tr><td><p>2 years</p></td><td><p>$50</p></td></tr>"
        "<tr><td colspan=\"2\"><p>Senior (any duration)</p></td><td><p>Free</p></td></tr>"
        "</tbody></table>",
        encoding="utf-8",
    )
    page, chunks = read_one(page_file)
    assert _sections(chunks) == [(["Fee schedule"], "fee-schedule",
        "The fees depend on the pass type:\n"
        "Pass: Student; Duration: 1 year; Fee: $30\n"
        "Pass: Student; Duration: 2 years; Fee: $50\n"
        "Pass: Senior (any duration); Fee: Free")]


def test_real_table_with_bold_header_row(corpus: Path, read_one) -> None:
    trials = corpus / "other-isomer/isomerpages+imda-tradetrust/_community/Trials.md"
    page, chunks = read_one(trials)
    lines = page.text.split("\n")
    assert lines[1] == (
        "Trade Lane (Port Of Load - Port Of Departure): Vietnam - Netherlands; "
        "Companies: Olam, ONE, DLT, Naviporta; Document Types: Bill of Lading"
    )
    # A table kept with its lead-in sentence.
    assert chunks[0].text.startswith("Over 60 industry players")


def test_front_matter_values_wrap_across_lines(sample) -> None:
    assert sample.pages[0].description == (
        "In the spirit of spurring mutual growth, GovTech welcomes collaborations with "
        "overseas entities and participates in global events. Find out more."
    )


def test_same_url_twice_in_one_run_keeps_the_first(corpus: Path) -> None:
    result = ingest_sources([str(corpus / "other-isomer/isomerpages+imda-tradetrust/index.md"),
                             str(corpus / "other-isomer/isomerpages+nea-wis/index.md")])
    assert [p.title for p in result.pages] == [
        "TradeTrust Accelerates the Digitalisation of Global Trade"]
    assert [s.reason for s in result.skipped] == [
        "same page URL https://www.tech.gov.sg/ as "
        f"{corpus / 'other-isomer/isomerpages+imda-tradetrust/index.md'} (kept that one)"]
