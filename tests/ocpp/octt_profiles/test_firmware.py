"""OCTT Firmware Management profile, central-system cases (TC_044_*, TC_045_*)."""

from __future__ import annotations

from typing import Any

from ocpp.v16 import call, call_result

from tests.fixtures.station import FakeStation, Script, connected
from tests.ocpp.octt_profiles.conftest import Operator

FIRMWARE = {"location": "https://fw.example/evb-2.0.0.bin", "retrieveDate": "2026-03-01T10:00:00Z"}
DIAGNOSTICS = {"location": "ftp://diag.example/upload/"}


async def firmware_train(station: FakeStation, *statuses: str) -> None:
    """The station reports each status; every one must get a (empty) confirmation."""
    for status in statuses:
        answer = await station.call(call.FirmwareStatusNotification(status=status), suppress=False)
        assert isinstance(answer, call_result.FirmwareStatusNotification)


async def diagnostics_train(station: FakeStation, *statuses: str) -> None:
    for status in statuses:
        answer = await station.call(
            call.DiagnosticsStatusNotification(status=status), suppress=False
        )
        assert isinstance(answer, call_result.DiagnosticsStatusNotification)


def statuses(events: list[dict[str, Any]]) -> list[str]:
    return [e["status"] for e in events]


class TestFirmwareUpdate:
    async def test_tc_044_1_download_and_install(self, operator: Operator, ocpp_url: str) -> None:
        """TC_044_1: UpdateFirmware goes out; every status and the reboot are answered."""
        script = Script()
        async with connected(ocpp_url, "ST2", script=script) as station:
            await station.boot()
            body = await operator.command("UpdateFirmware", FIRMWARE)
            await firmware_train(station, "Downloading", "Downloaded", "Installing")
            booted = await station.call(
                call.BootNotification(
                    charge_point_model="Fake-1",
                    charge_point_vendor="Laturi",
                    firmware_version="2.0.0",
                ),
                suppress=False,
            )
            await station.status(0, "Available")
            await station.status(1, "Available")
            await firmware_train(station, "Installed")
        assert body["accepted"] and body["message"] is None
        ((action, sent),) = script.received
        assert action == "UpdateFirmware"
        assert sent == {"location": FIRMWARE["location"], "retrieve_date": FIRMWARE["retrieveDate"]}
        assert booted.status == "Accepted"
        firmware = await operator.events("firmware")
        assert statuses(firmware) == ["Downloading", "Downloaded", "Installing", "Installed"]
        assert all(e["connector_id"] == 0 for e in firmware)
        assert (await operator.station())["firmware_version"] == "2.0.0"
        commands = [e["info"] for e in await operator.events("command")]
        assert commands == ["UpdateFirmware: answered"]

    async def test_tc_044_2_download_failed(self, operator: Operator, ocpp_url: str) -> None:
        """TC_044_2: Downloading then DownloadFailed are answered and shown in the feed."""
        async with connected(ocpp_url, "ST2") as station:
            await station.boot()
            body = await operator.command("UpdateFirmware", FIRMWARE)
            await firmware_train(station, "Downloading", "DownloadFailed")
        assert body["accepted"]
        assert statuses(await operator.events("firmware")) == ["Downloading", "DownloadFailed"]
        assert (await operator.station())["firmware_version"] == "1.0.0"

    async def test_tc_044_3_installation_failed(self, operator: Operator, ocpp_url: str) -> None:
        """TC_044_3: the download train, a reboot, then InstallationFailed: all answered."""
        async with connected(ocpp_url, "ST2") as station:
            await station.boot()
            await operator.command("UpdateFirmware", FIRMWARE)
            await firmware_train(station, "Downloading", "Downloaded", "Installing")
            assert (await station.boot()).status == "Accepted"
            await station.status(1, "Available")
            await firmware_train(station, "InstallationFailed")
        assert statuses(await operator.events("firmware")) == [
            "Downloading",
            "Downloaded",
            "Installing",
            "InstallationFailed",
        ]
        assert (await operator.station())["firmware_version"] == "1.0.0"

    async def test_update_firmware_with_retries_passes_them_on(
        self, operator: Operator, ocpp_url: str
    ) -> None:
        """UpdateFirmware's optional retries and retryInterval reach the station as given."""
        script = Script()
        params = FIRMWARE | {"retries": 3, "retryInterval": 60}
        async with connected(ocpp_url, "ST2", script=script):
            await operator.command("UpdateFirmware", params)
        ((_, sent),) = script.received
        assert sent["retries"] == 3 and sent["retry_interval"] == 60

    async def test_update_firmware_without_location_is_refused_before_sending(
        self, operator: Operator, ocpp_url: str
    ) -> None:
        """A firmware update needs a location: refused with the field, nothing sent."""
        script = Script()
        async with connected(ocpp_url, "ST2", script=script):
            response = await operator.send(
                "UpdateFirmware", {"retrieveDate": "2026-03-01T10:00:00Z"}
            )
        assert response.status_code == 422
        assert "location" in response.json()["message"]
        assert script.received == []


class TestGetDiagnostics:
    async def test_tc_045_1_get_diagnostics(self, operator: Operator, ocpp_url: str) -> None:
        """TC_045_1: GetDiagnostics returns the file name; Uploading, Uploaded are answered."""
        script = Script()
        async with connected(ocpp_url, "ST2", script=script) as station:
            body = await operator.command("GetDiagnostics", DIAGNOSTICS)
            await diagnostics_train(station, "Uploading", "Uploaded")
        assert body["accepted"] and body["answer"] == {"fileName": "diag.zip"}
        ((action, sent),) = script.received
        assert action == "GetDiagnostics" and sent == {"location": DIAGNOSTICS["location"]}
        assert statuses(await operator.events("diagnostics")) == ["Uploading", "Uploaded"]

    async def test_tc_045_2_upload_failed(self, operator: Operator, ocpp_url: str) -> None:
        """TC_045_2: Uploading then UploadFailed are answered and shown in the feed."""
        async with connected(ocpp_url, "ST2") as station:
            body = await operator.command(
                "GetDiagnostics", DIAGNOSTICS | {"retries": 1, "retryInterval": 1}
            )
            await diagnostics_train(station, "Uploading", "UploadFailed")
        assert body["accepted"]
        assert statuses(await operator.events("diagnostics")) == ["Uploading", "UploadFailed"]

    async def test_no_diagnostics_available_is_an_answer_without_file_name(
        self, operator: Operator, ocpp_url: str
    ) -> None:
        """A station with nothing to upload answers without fileName: still an answer."""
        script = Script()
        script.answers["GetDiagnostics"] = call_result.GetDiagnostics()
        async with connected(ocpp_url, "ST2", script=script):
            body = await operator.command("GetDiagnostics", DIAGNOSTICS)
        assert body["accepted"] and body["answer"] == {}
